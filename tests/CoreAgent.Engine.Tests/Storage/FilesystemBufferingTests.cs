using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Storage;

/// <summary>storage.type filesystem through whole pipelines: what is accepted survives a stop and is delivered by the next start, exactly.</summary>
public sealed class FilesystemBufferingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-fs-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static PluginCatalog Catalog(params (string Name, CaptureOutput[] Outputs)[] plugins)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var (name, outputs) in plugins) catalog.Add(CaptureOutput.Descriptor(name, outputs));
        return catalog;
    }

    private (string, string)[] Service(params (string, string)[] more) =>
        [("flush", "0.05"), ("grace", "0.5"), ("scheduler.base", "30"), ("scheduler.cap", "30"), ("storage.path", _dir), .. more];

    private static PluginInstanceSpec Dummy(int samples, int copies) =>
        Spec("dummy", ("alias", "gen"), ("samples", samples.ToString()), ("copies", copies.ToString()), ("rate", "100"), ("storage.type", "filesystem"));

    private int ChunkFiles() => Directory.Exists(Path.Combine(_dir, "gen")) ? Directory.GetFiles(Path.Combine(_dir, "gen")).Length : 0;

    [Fact]
    public void Records_left_pending_by_a_stop_stay_on_disk_and_the_next_start_delivers_each_once()
    {
        var failing = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var (first, log) = Build(Definition([Dummy(10, 100)], [Spec("capture", ("alias", "out"), ("retry_limit", "no_limits"))], Service()), Catalog(("capture", [failing])));
        first.Start();
        Eventually.True(() => first.Inputs[0].Metrics.Records == 1000 && first.Outputs[0].Metrics.RetriedRecords == 1000, "every record to wait for a retry");
        first.Stop();

        Assert.Equal(0, first.Outputs[0].Metrics.DroppedRecords);
        Assert.Equal(0, first.Discards.Records);
        Assert.Equal(1000, first.Discards.KeptRecords);
        Assert.True(ChunkFiles() > 0);
        Assert.Contains(log, e => e.Message.Contains("1000 record(s) stay in"));

        var working = new CaptureOutput();
        var (second, _) = Build(Definition([Dummy(1, 1)], [Spec("capture", ("alias", "out"))], Service()), Catalog(("capture", [working])));
        second.Start();
        Eventually.True(() => working.RecordCount == 1001, "the backlog and the new record");
        second.Stop();

        Assert.Equal(1001, second.Outputs[0].Metrics.ProcRecords);
        var numbers = working.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes)).Count();
        Assert.Equal(1001, numbers);
        Assert.Equal(0, ChunkFiles()); // delivered everywhere: deleted
    }

    [Fact]
    public void An_output_that_already_has_a_chunk_does_not_get_it_again_after_a_restart()
    {
        var ok = new CaptureOutput();
        var failing = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var outputs = new[] { Spec("capture", ("alias", "a"), ("match", "*")), Spec("capture", ("alias", "b"), ("match", "*"), ("retry_limit", "no_limits")) };
        var (first, _) = Build(Definition([Dummy(5, 10)], outputs, Service()), Catalog(("capture", [ok, failing])));
        first.Start();
        Eventually.True(() => ok.RecordCount == 50 && first.Outputs[1].Metrics.RetriedRecords == 50, "a to have everything and b to retry it");
        first.Stop();

        var a = new CaptureOutput();
        var b = new CaptureOutput();
        // The second run's input produces nothing: only the backlog flows.
        var (second, _) = Build(Definition([Spec("powershell", ("alias", "idle"))], outputs, Service()), Catalog(("capture", [a, b])));
        second.Start();
        Eventually.True(() => b.RecordCount == 50 && ChunkFiles() == 0, "b to get the backlog and its files to go");
        second.Stop();

        Assert.Equal(50, b.RecordCount);
        Assert.Equal(0, a.RecordCount); // a had it already: its Delivered block says so
    }

    [Fact]
    public void Storage_total_limit_size_drops_the_oldest_chunks_and_counts_them()
    {
        var failing = new CaptureOutput { Respond = _ => FlushResult.Retry };
        // Each tick of 100 records is one chunk (flush seals it); the limit holds about three of them.
        var (pipeline, log) = Build(Definition([Dummy(10, 100)], [Spec("capture", ("alias", "out"), ("retry_limit", "no_limits"), ("storage.total_limit_size", "8k"))], Service(("flush", "0.005"))),
            Catalog(("capture", [failing])));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 1000, "every record produced");
        Eventually.True(() => pipeline.Outputs[0].Backlog == 0 || pipeline.Outputs[0].Metrics.DroppedRecords + pipeline.Outputs[0].Metrics.RetriedRecords >= 1000, "every chunk to be queued");
        pipeline.Stop();

        var metrics = pipeline.Outputs[0].Metrics;
        Assert.True(metrics.DroppedRecords > 0, "nothing was dropped for the limit");
        Assert.Equal(1000, metrics.DroppedRecords + pipeline.Discards.KeptRecords);
        Assert.Contains(log, e => e.Message.Contains("storage.total_limit_size"));
        Assert.True(pipeline.Outputs[0].StoredBytes == 0);

        var working = new CaptureOutput();
        var (second, _) = Build(Definition([Dummy(1, 1)], [Spec("capture", ("alias", "out"))], Service()), Catalog(("capture", [working])));
        second.Start();
        Eventually.True(() => working.RecordCount == pipeline.Discards.KeptRecords + 1, "exactly the kept records and the new one");
        second.Stop();
    }

    [Fact]
    public void Send_returns_only_once_records_are_in_a_file()
    {
        var failing = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var (pipeline, _) = Build(Definition([Spec("powershell", ("alias", "gen"), ("storage.type", "filesystem"))], [Spec("capture", ("retry_limit", "no_limits"))], Service(("flush", "30"))),
            Catalog(("capture", [failing])));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        writer.Write(ChunkFileTests.Events(7), null, TimeSpan.FromSeconds(30));

        // Nothing is sealed yet (flush 30 s), but the file already holds the 7 records.
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "gen")));
        var contents = ChunkFileReader.Parse(file, File.ReadAllBytes(file));
        Assert.Null(contents.Damage);
        Assert.Equal(7, contents.RecordCount);
        Assert.Equal(7, pipeline.Inputs[0].Metrics.Records);
        pipeline.Stop();
        Assert.Equal(7, pipeline.Discards.KeptRecords);
    }

    [Fact]
    public void Damaged_chunk_files_are_quarantined_at_start_and_their_valid_records_delivered()
    {
        var folder = Path.Combine(_dir, "gen");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "0000000000000000001-1-1.chunk");
        var file = ChunkFile.Create(path, "gen", "gen", true, StorageSync.Normal);
        file.AppendRecords(ChunkFileTests.Events(5), 5);
        file.AppendRecords(ChunkFileTests.Events(5, 5), 5);
        file.Close();
        using (var s = new FileStream(path, FileMode.Open)) s.SetLength(s.Length - 10);
        File.WriteAllText(Path.Combine(folder, "junk.chunk"), "garbage");
        File.WriteAllBytes(Path.Combine(folder, "zero.chunk"), []);

        var working = new CaptureOutput();
        var (pipeline, log) = Build(Definition([Dummy(1, 1)], [Spec("capture")], Service()), Catalog(("capture", [working])));
        pipeline.Start();
        Eventually.True(() => working.RecordCount == 6, "the 5 valid records and the new one");
        pipeline.Stop();

        Assert.Equal(3, pipeline.Storage!.Quarantined);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir, "quarantine", "gen")).Length);
        Assert.Contains(log, e => e.Message.Contains(path) && e.Message.Contains("truncated"));
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void Rejected_chunks_are_kept_with_output_and_reason_when_storage_keep_rejected_is_on()
    {
        var rejecting = new CaptureOutput { Respond = _ => FlushResult.Error };
        var (pipeline, _) = Build(Definition([Dummy(3, 10)], [Spec("capture", ("alias", "sink"))], Service(("storage.keep.rejected", "on"))), Catalog(("capture", [rejecting])));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.DroppedRecords == 30, "every chunk rejected");
        pipeline.Stop();

        var records = DeadLetterReader.Read(_dir, "rejected", w => Assert.Fail(w)).ToList();
        Assert.Equal(30, records.Count);
        Assert.All(records, r => Assert.Equal("sink", r.Output));
        Assert.All(records, r => Assert.Contains("FLB_ERROR", r.Reason));
        Assert.All(records, r => Assert.Equal("gen", r.Tag));
        Assert.Equal(0, ChunkFiles()); // the input's own files are gone: the dead letters are copies
    }

    [Fact]
    public void Storage_rejected_limit_skips_new_dead_letters_with_a_warning()
    {
        var rejecting = new CaptureOutput { Respond = _ => FlushResult.Error };
        var (pipeline, log) = Build(Definition([Dummy(5, 10)], [Spec("capture", ("alias", "sink"))],
            Service(("storage.keep.rejected", "on"), ("storage.rejected.limit", "1"))), Catalog(("capture", [rejecting])));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.DroppedRecords == 50, "every chunk rejected");
        pipeline.Stop();

        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "rejected")));
        Assert.Contains(log, e => e.Message.Contains("storage.rejected.limit"));
    }

    [Fact]
    public void Filesystem_without_storage_path_is_a_build_error()
    {
        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(
            Definition([Dummy(1, 1)], [Spec("null")], ("flush", "1")), PluginCatalog.CreateDefault()));
        Assert.Contains("storage.path is not set", error.Message);
        var sync = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(
            Definition([Dummy(1, 1)], [Spec("null")], ("storage.path", _dir), ("storage.sync", "sometimes")), PluginCatalog.CreateDefault()));
        Assert.Contains("normal, full", sync.Message);
    }
}
