using System.Diagnostics;
using System.Text.Json;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>Isolated Go outputs: the plugin host transport, crash recovery, giving up, hangs at stop.</summary>
[Collection("go")]
public class PluginHostTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-host-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Eventually.True(() => PluginHostProcess.LiveProcessIds.Count == 0, "no plugin host left running", TimeSpan.FromSeconds(30));
    }

    private static PluginCatalog CatalogWith(params string[] plugins)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in plugins) catalog.ImportGo(TestPlugins.PathOf(plugin));
        return catalog;
    }

    private static List<JsonElement> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList() : [];

    private static PluginInstanceSpec Dummy(int records) =>
        Spec("dummy", ("samples", records.ToString()), ("rate", "10"), ("dummy", """{"n":1}"""));

    [Fact]
    public void Importing_an_output_reads_its_registration_in_a_host_and_never_loads_it_here()
    {
        var catalog = CatalogWith("out_crash");
        var plugin = catalog.Find("crasher", PluginType.Output)!;

        Assert.Equal("Crashes on demand (panic, segfault, exit, hang)", plugin.Description);
        Assert.Contains("FLBPluginFlushCtx", plugin.Go!.EntryPoints);
        Assert.Contains(plugin.Properties, p => p.Name == GoOutputProperties.Isolation);
        Assert.False(GoPluginLibrary.IsLoaded(plugin.Path!));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/maps"), l => l.EndsWith(" " + plugin.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void An_isolated_flush_delivers_every_record_and_the_host_logs_here()
    {
        string file = Path.Combine(_dir, "out.jsonl");
        var definition = Definition([Dummy(5)], [Spec("crasher", ("id", "a"), ("path", file), ("host", "x"))], ("flush", "0.1"));
        var (pipeline, log) = Build(definition, CatalogWith("out_crash"));

        pipeline.Start();
        var go = (GoOutput)pipeline.Outputs[0].Instance;
        Assert.Equal(GoIsolation.Process, go.Isolation);
        int? pid = go.HostProcessId;
        Assert.NotNull(pid);
        Assert.NotEqual(Environment.ProcessId, pid);
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords == 5, "5 records flushed");
        pipeline.Stop();

        var lines = Lines(file);
        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.Equal(pid, l.GetProperty("pid").GetInt32()));
        Assert.All(lines, l => Assert.Equal(1, l.GetProperty("record").GetProperty("n").GetInt32()));
        Assert.Contains(["id", "path", "mode", "once", "on_flush", "init_crash_if"], k => go.RequestedKeys.Contains(k));
        Assert.Empty(PluginHostProcess.LiveProcessIds);
    }

    [Theory]
    [InlineData("panic", "panic: out_crash: deliberate panic in flush 2")]
    [InlineData("segfault", "SIG")]
    [InlineData("exit", "exit code 3")]
    public void A_host_that_dies_in_a_flush_is_restarted_and_the_chunk_is_delivered_once(string mode, string reported)
    {
        string file = Path.Combine(_dir, "out.jsonl"), once = Path.Combine(_dir, "crashed");
        var definition = Definition([Dummy(6)],
            [Spec("crasher", ("id", "a"), ("path", file), ("mode", mode), ("on_flush", "2"), ("once", once), ("retry_limit", "5"))],
            ("flush", "0.2"), ("scheduler.base", "0.1"), ("scheduler.cap", "0.2"));
        var (pipeline, log) = Build(definition, CatalogWith("out_crash"));

        pipeline.Start();
        int firstPid = ((GoOutput)pipeline.Outputs[0].Instance).HostProcessId!.Value;
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords == 6, "6 records delivered across the crash");
        pipeline.Stop();

        var lines = Lines(file);
        Assert.Equal(6, lines.Count); // at-least-once, and with "once" exactly once
        Assert.True(File.Exists(once));
        Assert.Contains(lines, l => l.GetProperty("pid").GetInt32() != firstPid);
        var crash = Assert.Single(log, e => e.Event == LogEvents.PluginCrashed);
        Assert.Equal(LogLevel.Error, crash.Level);
        Assert.Contains(reported, crash.Message);
        Assert.Equal("crasher.0", crash.Data!.Instance);
        Assert.True(pipeline.Outputs[0].Metrics.Retries >= 1);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.DroppedRecords);
        Assert.Contains(log, e => e.Message.Contains("restarted"));
    }

    [Fact]
    public void A_plugin_that_dies_at_every_start_is_given_up_and_the_other_output_goes_on()
    {
        var (tries, delay) = (HostSupervisor.MaxStartTries, HostSupervisor.RestartDelay);
        HostSupervisor.MaxStartTries = 3;
        HostSupervisor.RestartDelay = _ => TimeSpan.FromMilliseconds(100);
        try
        {
            string marker = Path.Combine(_dir, "crashed"), counted = Path.Combine(_dir, "counter.jsonl");
            // The first flush crashes and creates the marker; with the marker every Init crashes.
            var definition = Definition([Spec("dummy", ("rate", "20"), ("dummy", """{"n":1}"""))],
                [Spec("crasher", ("match", "*"), ("on_flush", "1"), ("once", marker), ("init_crash_if", marker), ("retry_limit", "no_limits")),
                 Spec("counter", ("match", "*"), ("id", "c"), ("path", counted))],
                ("flush", "0.1"), ("scheduler.base", "0.1"), ("scheduler.cap", "0.2"));
            var (pipeline, log) = Build(definition, CatalogWith("out_crash", "out_counter"));

            pipeline.Start();
            Eventually.True(() => log.ToArray().Any(e => e.Event == LogEvents.PluginGaveUp), "the crasher is given up");
            long before = pipeline.Outputs[1].Metrics.ProcRecords;
            Eventually.True(() => pipeline.Outputs[1].Metrics.ProcRecords > before + 5, "the counter keeps receiving records");
            Eventually.True(() => pipeline.Outputs[0].Metrics.Errors > 0, "the given-up output fails its flushes");
            Assert.Equal(PipelineState.Running, pipeline.State);
            pipeline.Stop();

            var gaveUp = Assert.Single(log.ToArray(), e => e.Event == LogEvents.PluginGaveUp);
            Assert.Equal(LogLevel.Error, gaveUp.Level);
            Assert.Contains("given up", gaveUp.Message);
            Assert.Contains("3 times", gaveUp.Message);
            Assert.Contains("FLBPluginInit", gaveUp.Message);
            Assert.Equal(3, log.ToArray().Count(e => e.Message.Contains("restart") && e.Message.Contains("failed")));
        }
        finally
        {
            (HostSupervisor.MaxStartTries, HostSupervisor.RestartDelay) = (tries, delay);
        }
    }

    [Fact]
    public void A_flush_that_hangs_past_the_grace_period_ends_with_its_host_and_is_counted()
    {
        var definition = Definition([Dummy(4)],
            [Spec("crasher", ("mode", "hang"), ("on_flush", "1"))], ("flush", "0.1"), ("grace", "1"));
        var (pipeline, log) = Build(definition, CatalogWith("out_crash"));

        pipeline.Start();
        int pid = ((GoOutput)pipeline.Outputs[0].Instance).HostProcessId!.Value;
        Eventually.True(() => pipeline.Outputs[0].Flushing == 1 && pipeline.Inputs[0].Metrics.Records == 4, "the flush hangs with every record in it");
        var clock = Stopwatch.StartNew();
        pipeline.Stop();
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1 + 3), $"Stop took {clock.Elapsed}");
        Assert.Equal(4, pipeline.Discards.Records);
        Assert.Equal(4, pipeline.Outputs[0].Metrics.DroppedRecords);
        Assert.Contains(pipeline.Discards.ByReason, r => r.Key.Contains("plugin host was ended"));
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
        Assert.DoesNotContain(log, e => e.Event == LogEvents.PluginCrashed); // ended on purpose, not a crash
    }

    [Fact]
    public void A_Calyptia_plugin_s_own_metrics_are_read_from_its_host()
    {
        string file = Path.Combine(_dir, "out.tsv");
        var definition = Definition(
            [Spec("dummy", ("tag", "cal.app"), ("samples", "2"), ("copies", "2"), ("rate", "100"), ("dummy", """{"msg":"hi"}"""))],
            [Spec("calyptia_metrics", ("path", file))], ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith("calyptia_out_metrics"));

        pipeline.Start();
        Assert.NotNull(((GoOutput)pipeline.Outputs[0].Instance).HostProcessId);
        Eventually.True(() => pipeline.Outputs[0].ReadPluginMetrics().Any(m => m.Name == "fluentbit_plugin_records_total" && m.Value == 4 && m.Labels["tag"] == "cal.app"),
            "the plugin's own counter at 4, read in its host");
        pipeline.Stop();

        Assert.Empty(pipeline.Outputs[0].ReadPluginMetrics());
    }

    [Fact]
    public void Isolation_none_runs_the_same_plugin_in_this_process()
    {
        string file = Path.Combine(_dir, "out.jsonl");
        var definition = Definition([Dummy(3)], [Spec("counter", ("id", "n"), ("path", file), ("isolation", "none"))], ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith("out_counter"));

        pipeline.Start();
        var go = (GoOutput)pipeline.Outputs[0].Instance;
        Assert.Equal(GoIsolation.None, go.Isolation);
        Assert.Null(go.HostProcessId);
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords == 3, "3 records flushed in-process");
        pipeline.Stop();
        Assert.True(GoPluginLibrary.IsLoaded(TestPlugins.PathOf("out_counter")));
    }

    [Fact]
    public void A_bad_isolation_value_is_refused_when_the_pipeline_is_built()
    {
        var definition = Definition([Dummy(1)], [Spec("counter", ("isolation", "thread"))]);
        var error = Assert.Throws<PipelineBuildException>(() => Build(definition, CatalogWith("out_counter")));
        Assert.Contains("'thread' is not a value of 'isolation' (allowed: process, none)", error.Message);
    }

    [Fact]
    public void The_wire_frames_round_trip()
    {
        var writer = new FrameWriter();
        var frame = writer.Begin(HostMessage.InitDone).Int64(42).Int32(-7).String("héllo").Strings(["a", "", "b"]).Finish();
        using var stream = new MemoryStream(frame.ToArray());
        Span<byte> header = stackalloc byte[5];

        Assert.True(HostStream.ReadHeader(stream, header, out int length, out var type));
        Assert.Equal(HostMessage.InitDone, type);
        var payload = new byte[length];
        stream.ReadExactly(payload);
        var reader = new FrameReader(payload);
        Assert.Equal(42, reader.Int64());
        Assert.Equal(-7, reader.Int32());
        Assert.Equal("héllo", reader.String());
        Assert.Equal(["a", "", "b"], reader.Strings());
        Assert.False(HostStream.ReadHeader(stream, header, out _, out _));
    }

    [Fact]
    public void A_frame_with_an_impossible_length_is_refused()
    {
        byte[] tooLong = [0xff, 0xff, 0xff, 0x7f, 6], empty = [0, 0, 0, 0, 6];
        Assert.Throws<InvalidDataException>(() => HostStream.ReadHeader(new MemoryStream(tooLong), new byte[5], out _, out _));
        Assert.Throws<InvalidDataException>(() => HostStream.ReadHeader(new MemoryStream(empty), new byte[5], out _, out _));
    }

    [Fact]
    public void The_host_is_started_with_this_runtime()
    {
        var (file, arguments) = HostLauncher.Command(HostLauncher.HostAssemblyPath, ["--connect", "x"], out string how);
        Assert.True(File.Exists(HostLauncher.HostAssemblyPath));
        Assert.Contains(how, new[] { "muxer", "runtime-root muxer" });
        Assert.Equal("dotnet", Path.GetFileName(file));
        Assert.Equal(["exec", HostLauncher.HostAssemblyPath, "--connect", "x"], arguments);
    }
}
