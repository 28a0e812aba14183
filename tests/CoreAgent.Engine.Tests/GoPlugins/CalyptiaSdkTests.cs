using System.Runtime.InteropServices;
using System.Text;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.GoPlugins.EventShapes;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>
/// A plugin built with (our stand-in for) Calyptia's plugin SDK: it needs a cmetrics context made
/// by its own cmt_create, decodes only the legacy event shape, and logs with '%' in its message.
/// </summary>
[Collection("go")]
public unsafe class CalyptiaSdkTests : IDisposable
{
    private const string Plugin = "calyptia_out_metrics";
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-calyptia-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_SDK_and_its_2022_revision_are_detected_from_the_build_info()
    {
        var sdk = GoSdkDetection.Detect(File.ReadAllBytes(TestPlugins.PathOf(Plugin)));
        Assert.Equal(GoSdkDetection.CalyptiaPlugin, sdk.Sdk);
        Assert.Equal("v0.1.4", sdk.Revision);
        Assert.Equal(EventShape.Legacy, sdk.Shape);
    }

    [Theory]
    [InlineData("dep", "v0.0.0-20220705142313-79d417fdeadb", "v0.0.0-20220705142313-79d417fdeadb", EventShape.Legacy)]
    [InlineData("dep", "v0.0.0-20240105000000-0123456789ab", "v0.0.0-20240105000000-0123456789ab", EventShape.V2)]
    [InlineData("dep", "v1.2.0", "v1.2.0", EventShape.V2)]
    [InlineData("dep", "v0.1.1", "v0.1.1", EventShape.Legacy)]
    [InlineData("mod", "(devel)", "unknown", EventShape.Legacy)]
    public void The_Calyptia_revision_decides_the_shape(string kind, string version, string shown, EventShape expected)
    {
        // A Calyptia plugin that also requires a new fluent-bit-go: the SDK's own decoder still decides.
        var file = Encoding.ASCII.GetBytes($"path\tx\n{kind}\tgithub.com/calyptia/plugin\t{version}\t\ndep\tgithub.com/fluent/fluent-bit-go\tv0.0.0-20240101000000-0123456789ab\t\n");
        var sdk = GoSdkDetection.Detect(file);
        Assert.Equal(GoSdkDetection.CalyptiaPlugin, sdk.Sdk);
        Assert.Equal(shown, sdk.Revision);
        Assert.Equal(expected, sdk.Shape);
    }

    [Fact]
    public void Without_build_info_the_SDK_is_recognised_by_its_symbols()
    {
        var sdk = GoSdkDetection.Detect(Encoding.ASCII.GetBytes("\0github.com/calyptia/plugin.FLBPluginFlush\0"));
        Assert.Equal((GoSdkDetection.CalyptiaPlugin, "unknown", EventShape.Legacy), (sdk.Sdk, sdk.Revision, sdk.Shape));
        var plain = GoSdkDetection.Detect(Encoding.ASCII.GetBytes("no sdk here"));
        Assert.Equal("unknown", plain.Sdk);
    }

    [Fact]
    public void It_starts_with_its_own_cmetrics_keeps_record_times_and_reports_its_metrics()
    {
        var pluginLog = new List<LogEntry>();
        var previous = GoPluginLibrary.PluginLog;
        var capture = new AgentLog();
        capture.Written += e => { lock (pluginLog) pluginLog.Add(e); };
        GoPluginLibrary.PluginLog = capture;
        try
        {
            string file = Path.Combine(_dir, "out.tsv");
            var (pipeline, _) = BuildPipeline(file);
            pipeline.Start();
            Assert.Equal(1, LiveContexts());
            Eventually.True(() => File.Exists(file) && File.ReadAllLines(file).Length == 4, "4 records in the plugin's file");
            Assert.All(File.ReadAllLines(file), l => Assert.Equal("1795639451\t784245484\thi", l));

            PluginMetric? counter = null;
            Eventually.True(() =>
            {
                counter = pipeline.Outputs[0].ReadPluginMetrics().SingleOrDefault(m => m.Name == "fluentbit_plugin_records_total");
                return counter?.Value == 4;
            }, "the plugin's own counter at 4");
            Assert.Equal("counter", counter!.Type);
            Assert.Equal("Records this plugin wrote", counter.Help);
            Assert.Equal("cal.app", counter.Labels["tag"]);

            pipeline.Stop();
            Assert.Equal(4, pipeline.Outputs[0].Metrics.ProcRecords);
            Assert.Equal(0, LiveContexts());
            Assert.Empty(pipeline.Outputs[0].ReadPluginMetrics());
            lock (pluginLog)
                Assert.Contains(pluginLog, e => e.Level == LogLevel.Info && e.Message == $"calyptia_metrics ready: 100% of {file}");
        }
        finally
        {
            GoPluginLibrary.PluginLog = previous;
        }
    }

    [Fact]
    public void Forced_v2_shape_fails_every_flush_as_the_SDK_does_under_Fluent_Bit()
    {
        string file = Path.Combine(_dir, "v2.tsv");
        var (pipeline, _) = BuildPipeline(file, ("event_shape", "v2"), ("retry_limit", "no_retries"));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.Errors >= 1, "a failed flush");
        pipeline.Stop();
        Assert.Equal(0, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.False(File.Exists(file));
    }

    private static (CoreAgent.Engine.Pipeline.AgentPipeline, List<LogEntry>) BuildPipeline(string file, params (string, string)[] extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf(Plugin));
        var definition = Definition(
            [Spec("dummy", ("tag", "cal.app"), ("samples", "2"), ("copies", "2"), ("rate", "100"), ("fixed_timestamp", "true"),
                ("start_time_sec", "1795639451"), ("start_time_nsec", "784245484"), ("dummy", """{"msg":"hi"}"""))],
            // In-process: these tests count the cmetrics contexts and plugin log lines of this process
            // (PluginHostTests reads the same metrics from an isolated instance).
            [Spec("calyptia_metrics", [("path", file), ("isolation", "none"), .. extra])],
            ("flush", "0.1"));
        return Build(definition, catalog);
    }

    private static int LiveContexts()
    {
        var library = GoPluginLibrary.Load(TestPlugins.PathOf(Plugin));
        var live = (delegate* unmanaged<int>)NativeLibrary.GetExport(library.Handle, "coreagent_test_cmt_live");
        return live();
    }
}

[Collection("go")]
public unsafe class CalyptiaSdkInputTests
{
    [Fact]
    public void An_SDK_input_runs_with_its_own_cmetrics_and_delivers_exactly_its_records()
    {
        var catalog = PluginCatalog.CreateDefault();
        var imported = catalog.ImportGo(TestPlugins.PathOf("calyptia_in_gdummy"));
        Assert.Equal(PluginType.Input, imported.Type);
        var capture = new CaptureOutput();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var (pipeline, _) = Build(Definition(
            [Spec("calyptia_gdummy", ("tag", "gd"), ("samples", "7"), ("time_sec", "1795639451"), ("interval_nsec", "50000000"))],
            [Spec("capture", ("match", "*"))], ("flush", "0.1"), ("grace", "5")), catalog);
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 7, "7 records from the SDK input");
        Eventually.True(() => pipeline.Inputs[0].ReadPluginMetrics().Any(m => m.Name == "fluentbit_plugin_collected_total" && m.Value == 7),
            "its own counter at 7");
        pipeline.Stop();

        var events = capture.Chunks.SelectMany(c => CoreAgent.Engine.Records.EventReader.ReadAll(c.Bytes)).ToList();
        Assert.Equal(7, events.Count);
        Assert.All(events, e => Assert.Equal(1795639451u, e.Time.Seconds));
        // Go encodes map keys in random order: compare fields, not bytes.
        var bodies = events.Select(e => System.Text.Json.JsonDocument.Parse(MessagePack.MessagePackSerializer.ConvertToJson(e.Body)).RootElement).ToList();
        Assert.All(bodies, b => Assert.Equal("dummy", b.GetProperty("message").GetString()));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => i.ToString()), bodies.Select(b => b.GetProperty("n").GetString()!).Order(StringComparer.Ordinal).OrderBy(n => int.Parse(n)));
    }
}
