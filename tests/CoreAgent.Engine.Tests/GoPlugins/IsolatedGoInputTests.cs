using System.Text.Json;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>Go inputs in the plugin host (isolation process, the default): crashes, restarts, giving up, and isolation none.</summary>
[Collection("go")]
public class IsolatedGoInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-input-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Eventually.True(() => PluginHostProcess.LiveProcessIds.Count == 0, "no plugin host left running", TimeSpan.FromSeconds(30));
    }

    private static (AgentPipeline Pipeline, List<LogEntry> Log, CaptureOutput Capture) Run(string plugin, params (string, string)[] properties)
    {
        var catalog = PluginCatalog.CreateDefault();
        var imported = catalog.ImportGo(TestPlugins.PathOf(plugin));
        var capture = new CaptureOutput();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var (pipeline, log) = Build(Definition([Spec(imported.Name, properties)], [Spec("capture", ("match", "*"))], ("flush", "0.1"), ("grace", "5")), catalog);
        return (pipeline, log, capture);
    }

    private static List<long> Seqs(CaptureOutput capture) =>
        capture.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes))
            .Select(e => JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Body)).RootElement.GetProperty("seq").GetInt64()).ToList();

    private static LogEntry[] Snapshot(List<LogEntry> log)
    {
        lock (log) return [.. log];
    }

    [Theory]
    [InlineData("panic", "panic: in_crash: callback 4")]
    [InlineData("exit", "exit code 3")]
    public void A_host_that_dies_in_a_callback_is_restarted_and_every_record_before_the_crash_is_delivered(string how, string reported)
    {
        var (pipeline, log, capture) = Run("in_crash", ("records", "2"), ("crash_after", "3"), ("how", how), ("interval_nsec", "50000000"));
        pipeline.Start();
        var input = (GoInputPlugin)pipeline.Inputs[0].Instance;
        Assert.Equal(GoIsolation.Process, input.Isolation);
        int firstPid = input.HostProcessId!.Value;
        Assert.NotEqual(Environment.ProcessId, firstPid);
        Assert.False(GoPluginLibrary.IsLoaded(TestPlugins.PathOf("in_crash")));

        Eventually.True(() => Snapshot(log).Count(e => e.Event == LogEvents.PluginCrashed) >= 2, "two crashes, so one whole run after a restart");
        Eventually.True(() => input.HostProcessId is { } pid && pid != firstPid, "a new host");
        pipeline.Stop();

        // Each host run returns seq 1..6 in 3 callbacks and dies in the 4th: split at every restart of seq.
        var seqs = Seqs(capture);
        var runs = new List<List<long>>();
        foreach (long seq in seqs)
        {
            if (seq == 1) runs.Add([]);
            runs[^1].Add(seq);
        }
        Assert.True(runs.Count >= 2, $"records from {runs.Count} host run(s)");
        foreach (var run in runs.Take(2)) Assert.Equal([1L, 2, 3, 4, 5, 6], run); // the first two ended in a crash: nothing lost, nothing doubled
        Assert.All(runs, run => Assert.Equal(Enumerable.Range(1, run.Count).Select(i => (long)i), run));
        Assert.Equal(seqs.Count, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(seqs.Count, 2 * input.Callbacks);

        var crash = Snapshot(log).First(e => e.Event == LogEvents.PluginCrashed);
        Assert.Equal(LogLevel.Error, crash.Level);
        Assert.Contains(reported, crash.Message);
        Assert.Contains("collect callback", crash.Message);
        Assert.Equal("crash.0", crash.Data!.Instance);
        Assert.Contains(Snapshot(log), e => e.Message.Contains("restarted") && e.Message.Contains("initialised again"));
    }

    [Fact]
    public void An_input_whose_restarts_keep_failing_is_given_up_and_the_pipeline_stops_cleanly()
    {
        var (tries, delay) = (HostSupervisor.MaxStartTries, HostSupervisor.RestartDelay);
        HostSupervisor.MaxStartTries = 3;
        HostSupervisor.RestartDelay = _ => TimeSpan.FromMilliseconds(100);
        try
        {
            string marker = Path.Combine(_dir, "fail");
            var (pipeline, log, capture) = Run("in_crash", ("records", "2"), ("crash_after", "3"), ("fail_init_if", marker), ("interval_nsec", "50000000"));
            pipeline.Start();
            File.WriteAllText(marker, ""); // from now on every Init fails
            Eventually.True(() => Snapshot(log).Any(e => e.Event == LogEvents.PluginGaveUp), "the input is given up");
            Assert.Equal(PipelineState.Running, pipeline.State);
            pipeline.Stop();

            Assert.Equal([1L, 2, 3, 4, 5, 6], Seqs(capture));
            var gaveUp = Assert.Single(Snapshot(log), e => e.Event == LogEvents.PluginGaveUp);
            Assert.Equal(LogLevel.Error, gaveUp.Level);
            Assert.Contains("3 times", gaveUp.Message);
            Assert.Contains("FLBPluginInit returned", gaveUp.Message);
            Assert.Equal(3, Snapshot(log).Count(e => e.Message.Contains("restart") && e.Message.Contains("failed")));
        }
        finally
        {
            (HostSupervisor.MaxStartTries, HostSupervisor.RestartDelay) = (tries, delay);
        }
    }

    [Fact]
    public void Isolation_none_runs_the_input_in_this_process()
    {
        var (pipeline, _, capture) = Run("in_records", ("records", "3"), ("isolation", "none"), ("interval_nsec", "50000000"));
        pipeline.Start();
        var input = (GoInputPlugin)pipeline.Inputs[0].Instance;
        Assert.Equal(GoIsolation.None, input.Isolation);
        Assert.Null(input.HostProcessId);
        Assert.True(GoPluginLibrary.IsLoaded(TestPlugins.PathOf("in_records")));
        Eventually.True(() => capture.RecordCount >= 9, "9 records");
        pipeline.Stop();
        Assert.Equal(3 * input.Callbacks, Seqs(capture).Count);
    }

    [Fact]
    public void An_unknown_isolation_value_is_a_clear_error()
    {
        var error = Assert.Throws<PipelineBuildException>(() => Run("in_records", ("isolation", "thread")));
        Assert.Contains("'thread' is not a value of 'isolation' (allowed: process, none)", error.Message);
    }
}
