using System.Buffers;
using System.Diagnostics;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Benchmarks;

/// <summary>The measured pipelines. Targets come from issue 2: twice Fluent Bit's dummy->null, and Fluent Bit's Go figure.</summary>
public static class Scenarios
{
    public static readonly string[] Names = ["baseline-msgpack-encode", "dummy-null", "dummy-go-decode-1-worker", "dummy-go-decode-2-workers", "dummy-go-decode-2-workers-isolated", "dummy-grep-null", "baseline-file-read", "tail-null", "tail-json-null", "parser-json",
        "dummy-forward-sink", "dummy-forward-gzip-sink", "dummy-http-sink", "dummy-http-gzip-sink",
        "dummy-null-filesystem", "dummy-null-filesystem-sync-full", "forward-in"];

    public static ScenarioResult Run(string name, BenchOptions options) => name.StartsWith(FluentBitScenarios.Prefix) ? FluentBitScenarios.Run(name, options) : name switch
    {
        "baseline-msgpack-encode" => Baseline(options.Seconds),
        "dummy-null" => Pipeline(name, "dummy (rate 100000, copies 1000) -> null", null, "null", 1, 2_800_000, options),
        "dummy-go-decode-1-worker" => Pipeline(name, "dummy -> out_counter.so decoding every record, 1 worker, in-process", "out_counter", "counter", 1, 0, options),
        "dummy-go-decode-2-workers" => Pipeline(name, "dummy -> out_counter.so decoding every record, workers 2, in-process (isolation none)", "out_counter", "counter", 2, 513_000, options),
        // The same pipeline with the plugin in its plugin host: the host's CPU and peak memory are added in.
        "dummy-go-decode-2-workers-isolated" => Pipeline(name, "dummy -> out_counter.so decoding every record, workers 2, isolated (plugin host)", "out_counter", "counter", 2, 513_000, options, isolated: true),
        "dummy-grep-null" => FilterScenarios.DummyGrepNull(name, options),
        "baseline-file-read" => TailScenarios.FileReadBaseline(name, options),
        "tail-null" => TailScenarios.TailNull(name, options),
        "tail-json-null" => TailScenarios.TailJsonNull(name, options),
        "parser-json" => ParserScenarios.Json(name, options),
        "dummy-forward-sink" => OutputScenarios.Forward(name, options, gzip: false),
        "dummy-forward-gzip-sink" => OutputScenarios.Forward(name, options, gzip: true),
        "dummy-http-sink" => OutputScenarios.Http(name, options, gzip: false),
        "dummy-http-gzip-sink" => OutputScenarios.Http(name, options, gzip: true),
        "dummy-null-filesystem" => StorageScenarios.DummyNullFilesystem(name, "normal", options),
        "dummy-null-filesystem-sync-full" => StorageScenarios.DummyNullFilesystem(name, "full", options),
        "forward-in" => ForwardInScenarios.ForwardIn(name, options),
        _ => throw new ArgumentException($"unknown scenario {name}"),
    };

    // dummy -> null asks for 100 M records/s so that the engine, not the rate, is the limit; the Go
    // scenarios ask for 10 M/s, far above what a decoding plugin takes, with Mem_Buf_Limit bounding memory.
    private static ScenarioResult Pipeline(string name, string description, string? plugin, string output, int workers, double target, BenchOptions options, bool isolated = false)
    {
        var catalog = PluginCatalog.CreateDefault();
        if (plugin is not null) catalog.ImportGo(Path.Combine(options.PluginDirectory, plugin + ".so"));
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy"), ("rate", plugin is null ? "100000" : "10000"), ("copies", "1000"), ("mem_buf_limit", "64M")));
        var outputSpec = PluginInstanceSpec.Of(output, ("name", output), ("match", "*"), ("workers", workers.ToString()));
        if (plugin is not null) outputSpec.Properties.Set("id", "bench");
        if (plugin is not null) outputSpec.Properties.Set("isolation", isolated ? "process" : "none");
        definition.Outputs.Add(outputSpec);
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var pipeline = AgentPipeline.Build(definition, catalog);
        var (recordsPerSecond, cores, hostPeak) = Measurement.Run(pipeline, options.Seconds,
            () => (pipeline.Outputs[0].Instance as CoreAgent.Engine.GoPlugins.GoOutput)?.HostProcessId);
        return new ScenarioResult(name, description, recordsPerSecond, cores, Measurement.PeakRssMiB() + hostPeak, target);
    }

    /// <summary>MessagePack-CSharp writing the same v2 events as dummy, in a tight loop on one core.</summary>
    private static ScenarioResult Baseline(int seconds)
    {
        var buffer = new ArrayBufferWriter<byte>(4 * 1024 * 1024);
        long records = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        Span<byte> time = stackalloc byte[8];
        while (clock.Elapsed < until)
        {
            for (int i = 0; i < 10_000; i++)
            {
                var writer = new MessagePackWriter(buffer);
                var now = EventTime.Now();
                writer.WriteArrayHeader(2);
                writer.WriteArrayHeader(2);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(time, now.Seconds);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(time[4..], now.Nanoseconds);
                writer.WriteExtensionFormat(new ExtensionResult(0, time.ToArray()));
                writer.WriteMapHeader(0);
                writer.WriteMapHeader(1);
                writer.Write("message");
                writer.Write("dummy");
                writer.Flush();
                if (buffer.WrittenCount > 3 * 1024 * 1024) buffer.ResetWrittenCount();
            }
            records += 10_000;
        }
        return new ScenarioResult("baseline-msgpack-encode", "MessagePack-CSharp encoding the dummy event, tight loop, 1 core",
            records / clock.Elapsed.TotalSeconds, 1, Measurement.PeakRssMiB(), 0);
    }

}
