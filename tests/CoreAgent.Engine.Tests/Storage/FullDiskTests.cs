using System.Diagnostics;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Storage;

/// <summary>
/// A real full disk: storage.path on a 512 KiB tmpfs (the tests run as root). Writes that do not fit
/// are refused, not half-accepted, and exactly the accepted records come back after a restart.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("coreagent-tmpfs-").FullName;

    public FullDiskTests() => Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", _mount);

    public void Dispose()
    {
        Run("umount", "--lazy", _mount); // lazy: a failed test may leave a file open
        Directory.Delete(_mount);
    }

    private static void Run(string command, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed (the tmpfs needs root): {error}");
    }

    private static List<Logging.LogEntry> Snapshot(List<Logging.LogEntry> log)
    {
        lock (log) return [.. log];
    }

    [Fact]
    public void A_full_disk_refuses_records_and_a_restart_delivers_exactly_the_accepted_ones()
    {
        var catalog = PluginCatalog.CreateDefault();
        var failing = new CaptureOutput { Respond = _ => FlushResult.Retry };
        catalog.Add(CaptureOutput.Descriptor("capture", failing));
        (string, string)[] service = [("flush", "0.05"), ("grace", "0.2"), ("scheduler.base", "30"), ("scheduler.cap", "30"), ("storage.path", _mount)];
        var (first, log) = Build(Definition([Spec("powershell", ("alias", "gen"), ("storage.type", "filesystem"))],
            [Spec("capture", ("alias", "out"), ("retry_limit", "no_limits"))], service), catalog);
        first.Start();
        using var stopFirst = new Stopper(first);
        var writer = PowerShellInput.WriterOf(first, first.Inputs[0])!;
        int sent = 0;
        StorageException? refused = null;
        while (sent < 100_000)
        {
            try { writer.Write(ChunkFileTests.Events(50, sent), null, TimeSpan.FromSeconds(30)); }
            catch (StorageException ex) { refused = ex; break; }
            sent += 50;
        }

        Assert.NotNull(refused);
        Assert.Contains("not accepted", refused!.Message);
        Assert.Contains(Snapshot(log), e => e.Level == Logging.LogLevel.Error && e.Message.Contains("cannot write chunk file"));
        long accepted = first.Inputs[0].Metrics.Records;
        first.Stop();
        Assert.Equal(sent, accepted); // the refused call was taken back whole
        Assert.Equal(0, first.Outputs[0].Metrics.DroppedRecords);

        var working = new CaptureOutput();
        var catalog2 = PluginCatalog.CreateDefault();
        catalog2.Add(CaptureOutput.Descriptor("capture", working));
        var (second, secondLog) = Build(Definition([Spec("powershell", ("alias", "gen"), ("storage.type", "filesystem"))], [Spec("capture", ("alias", "out"))], service), catalog2);
        second.Start();
        using var stopSecond = new Stopper(second);
        try { Eventually.True(() => working.RecordCount >= accepted, $"the {accepted} accepted records", TimeSpan.FromSeconds(30)); }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; got {working.RecordCount}; log: {string.Join(" | ", Snapshot(secondLog).Select(e => e.Message))}");
        }
        second.Stop();

        var numbers = working.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes))
            .Select(e => MessagePack.MessagePackSerializer.Deserialize<Dictionary<string, int>>(e.Body)["n"]).Order().ToList();
        Assert.Equal(Enumerable.Range(0, (int)accepted), numbers);
    }

    private sealed class Stopper(AgentPipeline pipeline) : IDisposable
    {
        public void Dispose() => pipeline.Stop();
    }
}
