using System.Net;
using System.Net.Sockets;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Benchmarks;

/// <summary>
/// The network outputs against local receivers that take the bytes and answer as fast as they can,
/// so that the figure is the output's cost (encoding, gzip, the socket): dummy -> forward -> a TCP
/// sink, and dummy -> http -> an HttpListener answering 201, each with gzip off and on. MB/s is the
/// bytes on the wire (compressed when gzip is on). Compare with dummy-null of the same run.
/// </summary>
public static class OutputScenarios
{
    public static ScenarioResult Forward(string name, BenchOptions options, bool gzip)
    {
        using var sink = new TcpSink();
        var output = PluginInstanceSpec.Of("forward", ("name", "forward"), ("match", "*"), ("host", "127.0.0.1"), ("port", sink.Port.ToString()));
        if (gzip) output.Properties.Set("compress", "gzip");
        var (recordsPerSecond, cores) = Run(name, output, options);
        return new ScenarioResult(name, $"dummy -> forward{(gzip ? " (Compress gzip)" : "")} -> local TCP sink", recordsPerSecond, cores, Measurement.PeakRssMiB(), 0)
        {
            MegabytesPerSecond = sink.BytesPerSecond / 1e6,
        };
    }

    public static ScenarioResult Http(string name, BenchOptions options, bool gzip)
    {
        using var server = new HttpSink();
        var output = PluginInstanceSpec.Of("http", ("name", "http"), ("match", "*"), ("host", "127.0.0.1"), ("port", server.Port.ToString()),
            ("uri", "/bench"), ("format", "json_lines"), ("log_response_payload", "false"));
        if (gzip) output.Properties.Set("compress", "gzip");
        var (recordsPerSecond, cores) = Run(name, output, options);
        return new ScenarioResult(name, $"dummy -> http (json_lines{(gzip ? ", Compress gzip" : "")}) -> local HttpListener", recordsPerSecond, cores, Measurement.PeakRssMiB(), 0)
        {
            MegabytesPerSecond = server.BytesPerSecond / 1e6,
        };
    }

    private static (double RecordsPerSecond, double Cores) Run(string name, PluginInstanceSpec output, BenchOptions options)
    {
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy"), ("rate", "100000"), ("copies", "1000"), ("mem_buf_limit", "64M")));
        output.Properties.Set("workers", "2");
        definition.Outputs.Add(output);
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        var (recordsPerSecond, cores, _) = Measurement.Run(pipeline, options.Seconds);
        if (pipeline.Outputs[0].Metrics.ProcRecords == 0) throw new InvalidOperationException($"{name}: the output delivered nothing; the receiver is not reached");
        return (recordsPerSecond, cores);
    }
}
