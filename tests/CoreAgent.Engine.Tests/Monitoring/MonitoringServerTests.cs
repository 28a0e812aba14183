using System.Net;
using System.Text.Json;
using CoreAgent.Engine.Monitoring;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Monitoring;

/// <summary>The [SERVICE] HTTP_Server endpoints, over real HTTP requests to a running pipeline.</summary>
public class MonitoringServerTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static AgentPipeline Start(PluginCatalog? catalog = null, string output = "null", params (string, string)[] service)
    {
        var definition = Definition([Spec("dummy", ("rate", "50"))], [Spec(output)], [("flush", "0.2"), ("http_server", "on"), ("http_port", "0"), .. service]);
        var pipeline = AgentPipeline.Build(definition, catalog ?? PluginCatalog.CreateDefault());
        pipeline.Start();
        return pipeline;
    }

    private static string Url(AgentPipeline pipeline, string path) => $"http://{pipeline.Monitor!.LocalEndPoint}{path}";

    private static (HttpStatusCode Status, string Body, string? Type) Get(AgentPipeline pipeline, string path)
    {
        using var response = Http.GetAsync(Url(pipeline, path)).GetAwaiter().GetResult();
        return (response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public void Metrics_json_has_fluent_bits_sections_and_keys_by_instance_name()
    {
        using var pipeline = Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords > 0, "records to reach the output");

        var (status, body, _) = Get(pipeline, "/api/v1/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        using var json = JsonDocument.Parse(body);
        var input = json.RootElement.GetProperty("input").GetProperty("dummy.0");
        Assert.True(input.GetProperty("records").GetInt64() > 0);
        Assert.True(input.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Object, json.RootElement.GetProperty("filter").ValueKind);
        var output = json.RootElement.GetProperty("output").GetProperty("null.0");
        Assert.Equal(["proc_records", "proc_bytes", "errors", "retries", "retries_failed", "dropped_records", "retried_records"],
            output.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.True(output.GetProperty("proc_records").GetInt64() > 0);
    }

    [Fact]
    public void Prometheus_endpoints_use_fluent_bits_names_and_labels()
    {
        using var pipeline = Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords > 0, "records to reach the output");

        var (status, v1, type) = Get(pipeline, "/api/v1/metrics/prometheus");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/plain; version=0.0.4", type);
        Assert.Contains("# TYPE fluentbit_input_records_total counter\n", v1);
        Assert.Matches(@"(?m)^fluentbit_input_records_total\{name=""dummy\.0""\} [1-9][0-9]* [0-9]{13}$", v1);
        Assert.Matches(@"(?m)^fluentbit_output_proc_records_total\{name=""null\.0""\} [1-9][0-9]* [0-9]{13}$", v1);
        Assert.Matches(@"(?m)^process_start_time_seconds [0-9]+$", v1);

        var (status2, v2, _) = Get(pipeline, "/api/v2/metrics/prometheus");
        Assert.Equal(HttpStatusCode.OK, status2);
        Assert.Contains("# HELP fluentbit_uptime Number of seconds that Fluent Bit has been running.\n# TYPE fluentbit_uptime counter\n", v2);
        Assert.Matches(@"(?m)^fluentbit_uptime\{hostname=""[^""]+""\} [0-9]+$", v2);
        Assert.Matches(@"(?m)^fluentbit_output_proc_records_total\{name=""null\.0""\} [1-9][0-9]*$", v2);
        Assert.Matches(@"(?m)^fluentbit_output_retries_failed_total\{name=""null\.0""\} 0$", v2);
    }

    [Fact]
    public void Root_uptime_and_storage_answer_json_and_unknown_paths_404()
    {
        using var pipeline = Start();

        using (var root = JsonDocument.Parse(Get(pipeline, "/").Body))
            Assert.Equal(MonitoringFormats.Version, root.RootElement.GetProperty("fluent-bit").GetProperty("version").GetString());
        using (var uptime = JsonDocument.Parse(Get(pipeline, "/api/v1/uptime").Body))
        {
            Assert.True(uptime.RootElement.GetProperty("uptime_sec").GetInt64() >= 0);
            Assert.StartsWith("Fluent Bit has been running:  0 day, 0 hour, 0 minute and ", uptime.RootElement.GetProperty("uptime_hr").GetString());
        }
        using (var storage = JsonDocument.Parse(Get(pipeline, "/api/v1/storage").Body))
        {
            Assert.Equal(0, storage.RootElement.GetProperty("storage_layer").GetProperty("chunks").GetProperty("fs_chunks_down").GetInt64());
            var status = storage.RootElement.GetProperty("input_chunks").GetProperty("dummy.0").GetProperty("status");
            Assert.Equal("61.0M", status.GetProperty("mem_limit").GetString()); // the 64M default bound, as Fluent Bit prints sizes
        }
        Assert.Equal(HttpStatusCode.NotFound, Get(pipeline, "/api/v1/nothing").Status);
        Assert.Equal(HttpStatusCode.NotFound, Get(pipeline, "/api/v1/health").Status); // Health_Check is off
    }

    [Fact]
    public void Health_goes_to_error_when_errors_in_the_period_pass_HC_Errors_Count()
    {
        var catalog = PluginCatalog.CreateDefault();
        var failing = new CaptureOutput { Respond = _ => FlushResult.Error };
        catalog.Add(new PluginDescriptor { Name = "failing", Description = "test", Type = PluginType.Output, CreateOutput = () => failing });
        using var pipeline = Start(catalog, "failing", ("health_check", "on"), ("hc_errors_count", "2"), ("hc_period", "60"));

        Assert.Equal((HttpStatusCode.OK, "ok\n"), (Get(pipeline, "/api/v1/health").Status, Get(pipeline, "/api/v1/health").Body));
        Eventually.True(() => Get(pipeline, "/api/v1/health").Status == HttpStatusCode.InternalServerError, "the health check to report errors");
        Assert.Equal("error\n", Get(pipeline, "/api/v1/health").Body);
        Assert.True(pipeline.Outputs[0].Metrics.Errors > 2);
    }

    [Fact]
    public void A_second_pipeline_on_the_same_port_fails_naming_the_port_and_the_holder()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        var first = Definition([Spec("dummy")], [Spec("null")], ("http_server", "on"), ("http_port", port.ToString()));
        first.Name = "holder";
        var second = Definition([Spec("dummy")], [Spec("null")], ("http_server", "on"), ("http_port", port.ToString()));
        second.Name = "latecomer";
        using var one = AgentPipeline.Build(first, PluginCatalog.CreateDefault());
        one.Start();
        using var two = AgentPipeline.Build(second, PluginCatalog.CreateDefault());

        var error = Assert.Throws<PluginException>(two.Start);
        Assert.Contains($"HTTP_Port {port}", error.Message);
        Assert.Contains("'holder'", error.Message);
        Assert.Contains("'latecomer'", error.Message);
        Assert.Equal(PipelineState.Failed, two.State);

        one.Stop(); // the port is free again for the next pipeline
        using var three = AgentPipeline.Build(second, PluginCatalog.CreateDefault());
        three.Start();
        Assert.Equal(PipelineState.Running, three.State);
    }

    [Fact]
    public void The_port_HTTP_Port_0_picked_is_held_against_a_pipeline_asking_for_it_by_number()
    {
        var first = Definition([Spec("dummy")], [Spec("null")], ("http_server", "on"), ("http_port", "0"));
        first.Name = "picker";
        using var one = AgentPipeline.Build(first, PluginCatalog.CreateDefault());
        one.Start();
        int port = one.Monitor!.Port!.Value;
        Assert.True(port > 0);
        var second = Definition([Spec("dummy")], [Spec("null")], ("http_server", "on"), ("http_port", port.ToString()));
        second.Name = "copier";
        using var two = AgentPipeline.Build(second, PluginCatalog.CreateDefault());

        var error = Assert.Throws<PluginException>(two.Start);
        Assert.Contains($"HTTP_Port {port} is already served by pipeline 'picker'", error.Message);

        one.Stop();
        Assert.Equal(port, one.Monitor!.Port); // still readable once stopped
        using var three = AgentPipeline.Build(second, PluginCatalog.CreateDefault());
        three.Start();
        Assert.Equal(PipelineState.Running, three.State);
    }

    [Fact]
    public void Human_sizes_and_uptime_follow_fluent_bit()
    {
        Assert.Equal("0b", MonitoringFormats.HumanSize(0));
        Assert.Equal("1023b", MonitoringFormats.HumanSize(1023));
        Assert.Equal("47.7M", MonitoringFormats.HumanSize(50_000_000));
        Assert.Equal("Fluent Bit has been running:  1 day, 2 hours, 0 minute and 5 seconds", MonitoringFormats.HumanUptime(86_400 + 7_200 + 5));
    }

    [Fact]
    public void Health_counts_only_within_the_period()
    {
        var health = new HealthCheck(new MonitoringSettings { ErrorsCount = 1, RetryFailureCount = 1, PeriodSeconds = 3 });
        Assert.True(health.IsHealthy);
        health.Sample(0, 0);
        health.Sample(2, 0);
        Assert.False(health.IsHealthy);
        health.Sample(2, 0);
        health.Sample(2, 0); // the sample with 0 errors left the period
        Assert.True(health.IsHealthy);
        health.Sample(2, 2);
        Assert.False(health.IsHealthy);
    }
}
