using System.Text.RegularExpressions;
using CoreAgent.Engine.Monitoring;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Monitoring;

/// <summary>
/// The metrics Calyptia SDK plugins keep in their own cmetrics, merged into /api/v2/metrics/prometheus
/// after their instance's families as Fluent Bit merges each instance's context, in-process and in a plugin host.
/// </summary>
[Collection("go")]
public sealed class PluginMetricsEndpointTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-pluginmetrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("none")]
    [InlineData("process")]
    public void The_plugins_own_counters_appear_in_v2_with_their_names_and_labels(string isolation)
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf("calyptia_in_gdummy"));
        catalog.ImportGo(TestPlugins.PathOf("calyptia_out_metrics"));
        var definition = Definition(
            [
                Spec("calyptia_gdummy", ("tag", "gd"), ("samples", "3"), ("isolation", isolation)),
                Spec("dummy", ("tag", "cal.app"), ("samples", "2"), ("copies", "2"), ("rate", "100"), ("dummy", """{"msg":"hi"}""")),
            ],
            [Spec("calyptia_metrics", ("match", "*"), ("path", Path.Combine(_dir, "out.tsv")), ("isolation", isolation))],
            ("flush", "0.1"), ("grace", "5"), ("http_server", "on"), ("http_port", "0"));
        var (pipeline, _) = Build(definition, catalog);
        pipeline.Start();
        try
        {
            string v2 = "";
            Eventually.True(() =>
            {
                v2 = Get(pipeline, "/api/v2/metrics/prometheus");
                return v2.Contains("fluentbit_plugin_records_total{tag=\"cal.app\"} 4\n") && v2.Contains("fluentbit_plugin_records_total{tag=\"gd\"} 3\n");
            }, "the output plugin's counter at 4 for cal.app and 3 for gd in v2");

            Assert.Contains("# HELP fluentbit_plugin_collected_total Records collected\n# TYPE fluentbit_plugin_collected_total counter\nfluentbit_plugin_collected_total 3\n", v2);
            Assert.Contains("# HELP fluentbit_plugin_records_total Records this plugin wrote\n# TYPE fluentbit_plugin_records_total counter\n", v2);
            // One family per name, in cmt_cat's order: the input's own families, the input plugin's,
            // the outputs', the output plugin's, and every counter before the gauges.
            Assert.Single(Regex.Matches(v2, "^# TYPE fluentbit_plugin_records_total ", RegexOptions.Multiline));
            int inputRecords = v2.IndexOf("# TYPE fluentbit_input_records_total", StringComparison.Ordinal);
            int collected = v2.IndexOf("# TYPE fluentbit_plugin_collected_total", StringComparison.Ordinal);
            int outputRecords = v2.IndexOf("# TYPE fluentbit_output_proc_records_total", StringComparison.Ordinal);
            int written = v2.IndexOf("# TYPE fluentbit_plugin_records_total", StringComparison.Ordinal);
            int gauges = v2.IndexOf("# TYPE fluentbit_process_start_time_seconds gauge", StringComparison.Ordinal);
            Assert.True(0 < inputRecords && inputRecords < collected && collected < outputRecords && outputRecords < written && written < gauges, v2);
            Assert.Matches(@"(?m)^fluentbit_input_records_total\{name=""calyptia_gdummy\.0""\} 3$", v2);

            // As in Fluent Bit, the v1 endpoints come from the legacy counters: no plugin metrics there.
            Assert.DoesNotContain("fluentbit_plugin_", Get(pipeline, "/api/v1/metrics/prometheus"));
            Assert.DoesNotContain("fluentbit_plugin_", Get(pipeline, "/api/v1/metrics"));

            var report = MetricsReport.Of(pipeline, withPluginMetrics: true);
            Assert.Contains(report.PluginValues, p => p is { Section: "input", Instance: "calyptia_gdummy.0", Plugin: "calyptia_gdummy" }
                && p.Metric.Name == "fluentbit_plugin_collected_total" && p.Metric.Value == 3);
            Assert.Empty(MetricsReport.Of(pipeline).PluginValues);
        }
        finally
        {
            pipeline.Stop();
        }
    }

    [Fact]
    public void Two_instances_of_one_plugin_share_one_family_in_v2()
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf("calyptia_out_metrics"));
        var definition = Definition(
            [
                Spec("dummy", ("tag", "cal.a"), ("samples", "2"), ("rate", "100"), ("dummy", """{"msg":"a"}""")),
                Spec("dummy", ("tag", "cal.b"), ("samples", "3"), ("rate", "100"), ("dummy", """{"msg":"b"}""")),
            ],
            [
                Spec("calyptia_metrics", ("match", "cal.a"), ("path", Path.Combine(_dir, "a.tsv"))),
                Spec("calyptia_metrics", ("match", "cal.b"), ("path", Path.Combine(_dir, "b.tsv"))),
            ],
            ("flush", "0.1"), ("http_server", "on"), ("http_port", "0"));
        var (pipeline, _) = Build(definition, catalog);
        pipeline.Start();
        try
        {
            string v2 = "";
            Eventually.True(() =>
            {
                v2 = Get(pipeline, "/api/v2/metrics/prometheus");
                return v2.Contains("fluentbit_plugin_records_total{tag=\"cal.a\"} 2\n") && v2.Contains("fluentbit_plugin_records_total{tag=\"cal.b\"} 3\n");
            }, "each instance's counter in v2");
            // Calyptia's SDK keeps one Go value per registered plugin, so both instances may count in
            // the context of the one initialised last, in either order; the family is printed once.
            Assert.Matches(@"# TYPE fluentbit_plugin_records_total counter\n(fluentbit_plugin_records_total\{tag=""cal\.[ab]""\} [23]\n){2}#", v2);
            Assert.Single(Regex.Matches(v2, "^# HELP fluentbit_plugin_records_total ", RegexOptions.Multiline));
        }
        finally
        {
            pipeline.Stop();
        }
    }

    private static string Get(AgentPipeline pipeline, string path) =>
        Http.GetStringAsync($"http://127.0.0.1:{pipeline.Monitor!.Port}{path}").GetAwaiter().GetResult();
}
