using System.Text.Json;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

[Collection("go")]
public class GoPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-go-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PluginCatalog CatalogWith(params string[] plugins)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in plugins) catalog.ImportGo(TestPlugins.PathOf(plugin));
        return catalog;
    }

    private static List<JsonElement> ReadLines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList() : [];

    [Fact]
    public void The_decoding_plugin_sees_every_record_with_exact_fields_and_timestamps()
    {
        string file = Path.Combine(_dir, "counter.jsonl");
        var definition = Definition(
            [Spec("dummy", ("samples", "3"), ("copies", "2"), ("rate", "100"), ("fixed_timestamp", "true"),
                ("start_time_sec", "1795639451"), ("start_time_nsec", "784245484"), ("metadata", """{"mk":"mv"}"""),
                ("dummy", """{"msg":"hi","n":7,"neg":-3,"f":1.5,"b":true,"z":null,"a":[1,"x"],"m":{"k":"v"}}"""))],
            [Spec("counter", ("id", "first"), ("Path", file))],
            ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith("out_counter"));

        pipeline.Start();
        Eventually.True(() => ReadLines(file).Count(l => l.TryGetProperty("record", out _)) == 6, "6 records in the plugin's file");
        pipeline.Stop();

        var lines = ReadLines(file);
        var records = lines.Where(l => l.TryGetProperty("record", out _)).ToList();
        Assert.Equal(6, records.Count);
        foreach (var line in records)
        {
            Assert.Equal("first", line.GetProperty("id").GetString());
            Assert.Equal("dummy.0", line.GetProperty("tag").GetString());
            Assert.Equal(1795639451u, line.GetProperty("sec").GetUInt32());
            Assert.Equal(784245484u, line.GetProperty("nsec").GetUInt32());
            Assert.Equal("mv", line.GetProperty("meta").GetProperty("mk").GetString());
            var record = line.GetProperty("record");
            Assert.Equal("hi", record.GetProperty("msg").GetString());
            Assert.Equal(7, record.GetProperty("n").GetInt64());
            Assert.Equal(-3, record.GetProperty("neg").GetInt64());
            Assert.Equal(1.5, record.GetProperty("f").GetDouble());
            Assert.True(record.GetProperty("b").GetBoolean());
            Assert.Equal(JsonValueKind.Null, record.GetProperty("z").ValueKind);
            Assert.Equal("[1,\"x\"]", record.GetProperty("a").GetRawText());
            Assert.Equal("v", record.GetProperty("m").GetProperty("k").GetString());
        }
        var exit = Assert.Single(lines, l => l.TryGetProperty("exit", out _));
        Assert.Equal(6, exit.GetProperty("total").GetInt32());
        Assert.Equal(6, pipeline.Outputs[0].Metrics.ProcRecords);
    }

    [Fact]
    public void Several_instances_of_one_plugin_get_their_own_settings_and_contexts()
    {
        string file = Path.Combine(_dir, "multi.tsv");
        var definition = Definition(
            [Spec("dummy", ("tag", "one"), ("samples", "2"), ("rate", "100")), Spec("dummy", ("tag", "two"), ("samples", "3"), ("rate", "100"))],
            [Spec("multiinstance", ("match", "one"), ("id", "alpha"), ("path", file)), Spec("multiinstance", ("match", "two"), ("ID", "beta"), ("PATH", file))],
            ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith("out_multiinstance"));

        pipeline.Start();
        Eventually.True(() => pipeline.Outputs.Sum(o => o.Metrics.ProcRecords) == 5, "5 records flushed");
        pipeline.Stop();

        var lines = File.ReadAllLines(file).Select(l => l.Split('\t')).ToList();
        var flushes = lines.Where(l => l[0] != "exit").ToList();
        Assert.Equal(2, flushes.Where(l => l[0] == "alpha").Sum(l => int.Parse(l[2])));
        Assert.Equal(3, flushes.Where(l => l[0] == "beta").Sum(l => int.Parse(l[2])));
        Assert.All(flushes.Where(l => l[0] == "alpha"), l => Assert.Equal("one", l[1]));
        Assert.All(flushes.Where(l => l[0] == "beta"), l => Assert.Equal("two", l[1]));
        Assert.Equal(["alpha", "beta"], lines.Where(l => l[0] == "exit").Select(l => l[1]).Order());
    }

    [Fact]
    public void Retry_and_error_results_from_a_Go_plugin_drive_the_counters()
    {
        string retryFile = Path.Combine(_dir, "retry.tsv"), errorFile = Path.Combine(_dir, "error.tsv");
        var definition = Definition(
            [Spec("dummy", ("samples", "1"), ("copies", "3"), ("rate", "100"))],
            [Spec("result", ("match", "*"), ("result", "retry"), ("fail_first", "1"), ("retry_limit", "2"), ("path", retryFile)),
             Spec("result", ("match", "*"), ("result", "error"), ("path", errorFile))],
            ("flush", "0.1"), ("scheduler.base", "0.05"), ("scheduler.cap", "0.05"));
        var (pipeline, _) = Build(definition, CatalogWith("out_result"));

        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords == 3 && pipeline.Outputs[1].Metrics.Errors == 1, "a retry then success, and an error");
        pipeline.Stop();

        Assert.Equal(1, pipeline.Outputs[0].Metrics.Retries);
        Assert.Equal(3, pipeline.Outputs[0].Metrics.RetriedRecords);
        Assert.Equal(3, pipeline.Outputs[1].Metrics.DroppedRecords);
        Assert.Equal(["1\tdummy.0\t3\t2", "2\tdummy.0\t3\t1"], File.ReadAllLines(retryFile));
    }

    [Fact]
    public void A_reserved_key_reads_empty_and_is_reported()
    {
        string file = Path.Combine(_dir, "reserved.jsonl");
        var definition = Definition([Spec("dummy", ("samples", "1"), ("rate", "100"))],
            [Spec("counter", ("id", "r"), ("path", file), ("probe_reserved", "true"), ("host", "10.0.0.1"))], ("flush", "0.1"));
        var (pipeline, log) = Build(definition, CatalogWith("out_counter"));

        pipeline.Start();
        pipeline.Stop();

        Assert.Contains("host=", File.ReadAllLines(file));
        Assert.Contains(log, e => e.Level == Logging.LogLevel.Warn && e.Message.Contains("'host'") && e.Message.Contains("counter"));
    }

    [Fact]
    public void A_failing_Init_fails_the_start_and_leaves_nothing_behind()
    {
        var catalog = CatalogWith("out_initfail");
        long before = NativeAllocations.Outstanding;
        var (pipeline, _) = Build(Definition([Spec("dummy")], [Spec("initfail")]), catalog);

        var error = Assert.Throws<PluginException>(pipeline.Start);

        Assert.Contains("FLBPluginInit returned 0", error.Message);
        Assert.Equal(PipelineState.Failed, pipeline.State);
        Assert.Equal(before, NativeAllocations.Outstanding);
    }

    [Fact]
    public void A_stopped_pipeline_leaves_no_native_memory_behind()
    {
        var catalog = CatalogWith("out_counter", "out_multiinstance");
        // Loaded in-process up front, as isolation none does at the first Init: the libraries stay loaded.
        Engine.GoPlugins.GoPluginLibrary.Load(TestPlugins.PathOf("out_counter"));
        Engine.GoPlugins.GoPluginLibrary.Load(TestPlugins.PathOf("out_multiinstance"));
        long before = NativeAllocations.Outstanding;
        var definition = Definition([Spec("dummy", ("rate", "100"), ("copies", "10"))],
            // In-process: isolated instances allocate their native structures in the plugin host.
            [Spec("counter", ("match", "*"), ("id", "x"), ("unused_key", "y"), ("isolation", "none")),
             Spec("multiinstance", ("match", "*"), ("id", "y"), ("isolation", "none"))], ("flush", "0.05"));
        var (pipeline, _) = Build(definition, catalog);

        pipeline.Start();
        Eventually.True(() => pipeline.Outputs.All(o => o.Metrics.ProcRecords >= 20), "records flushed");
        Assert.True(NativeAllocations.Outstanding > before);
        pipeline.Stop();

        Assert.Equal(before, NativeAllocations.Outstanding);
    }
}
