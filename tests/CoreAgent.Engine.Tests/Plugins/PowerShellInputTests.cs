using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.SessionPlugins;

public class PowerShellInputTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static PluginCatalog CatalogWith(params PluginDescriptor[] extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in extra) catalog.Add(plugin);
        return catalog;
    }

    private static byte[] Events(int from, int count) =>
        FilterEvents.Encode([.. Enumerable.Range(from, count).Select(i => $$"""{"n":{{i}}}""")]);

    private static List<string> Bodies(CaptureOutput capture) =>
        [.. capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes))];

    [Fact]
    public void Is_a_built_in_input_that_produces_nothing_by_itself()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("powershell")], [Spec("capture")], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        Assert.Equal("powershell.0", pipeline.Inputs[0].Tag);

        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0]);
        pipeline.Stop();

        Assert.NotNull(writer);
        Assert.Equal(0, pipeline.Inputs[0].Metrics.Records);
        Assert.Empty(capture.Chunks);
    }

    [Fact]
    public void Written_events_reach_the_output_under_the_input_tag_with_their_bytes()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("powershell", ("tag", "app.ps"))], [Spec("capture", ("match", "app.*"))], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        var events = Events(0, 5);

        Assert.Equal(5, writer.Write(events, null, Long));
        Eventually.True(() => capture.RecordCount == 5, "5 records");
        pipeline.Stop();

        Assert.Equal("app.ps", writer.Tag);
        Assert.All(capture.Chunks, c => Assert.Equal("app.ps", c.Tag));
        Assert.Equal(events, capture.Chunks.SelectMany(c => c.Bytes).ToArray());
        Assert.Equal(5, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(events.Length, pipeline.Inputs[0].Metrics.Bytes);
    }

    [Fact]
    public void A_write_under_another_tag_is_routed_by_that_tag()
    {
        var byInputTag = new CaptureOutput();
        var byOtherTag = new CaptureOutput();
        var (pipeline, _) = Build(
            Definition([Spec("powershell")], [Spec("capture", ("match", "powershell.*")), Spec("capture", ("match", "proc"))], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", byInputTag, byOtherTag)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;

        writer.Write(Events(0, 3), "proc", Long);
        writer.Write(Events(3, 2), null, Long);
        writer.Write(Events(5, 1), "", Long);
        Eventually.True(() => byOtherTag.RecordCount == 3 && byInputTag.RecordCount == 3, "records under both tags");
        pipeline.Stop();

        Assert.All(byOtherTag.Chunks, c => Assert.Equal("proc", c.Tag));
        Assert.Equal(["""{"n":0}""", """{"n":1}""", """{"n":2}"""], Bodies(byOtherTag));
        Assert.Equal(["""{"n":3}""", """{"n":4}""", """{"n":5}"""], Bodies(byInputTag));
        Assert.Equal(6, pipeline.Inputs[0].Metrics.Records);
    }

    [Fact]
    public void Records_of_another_tag_still_open_when_the_pipeline_stops_are_delivered()
    {
        var capture = new CaptureOutput();
        // A long flush interval: only the stop can seal the chunk.
        var (pipeline, _) = Build(Definition([Spec("powershell")], [Spec("capture", ("match", "*"))], ("flush", "60")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        writer.Write(Events(0, 4), "other", Long);
        writer.Write(Events(4, 2), null, Long);
        pipeline.Stop();

        Assert.Equal(6, capture.RecordCount);
        Assert.Contains(capture.Chunks, c => c.Tag == "other" && c.Records == 4);
        Assert.Contains(capture.Chunks, c => c.Tag == "powershell.0" && c.Records == 2);
    }

    [Fact]
    public void A_large_write_under_another_tag_is_split_into_chunks_of_about_2_MB()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("powershell")], [Spec("capture", ("match", "*"))], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        string text = new('x', 100_000);
        var events = FilterEvents.Encode([.. Enumerable.Range(0, 50).Select(i => $$"""{"n":{{i}},"s":"{{text}}"}""")]);

        writer.Write(events, "big", Long);
        Eventually.True(() => capture.RecordCount == 50, "50 records");
        pipeline.Stop();

        Assert.True(capture.Chunks.Count >= 3);
        Assert.All(capture.Chunks, c => Assert.True(c.Bytes.Length <= Chunk.TargetSize));
        Assert.Equal(events, capture.Chunks.SelectMany(c => c.Bytes).ToArray());
    }

    [Fact]
    public async Task A_write_to_a_paused_input_waits_then_fails_with_a_clear_error_and_resumes_when_the_output_catches_up()
    {
        using var release = new ManualResetEventSlim(false);
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        var (pipeline, _) = Build(Definition([Spec("powershell", ("mem_buf_limit", "1k"))], [Spec("capture")], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;

        Assert.Equal(200, writer.Write(Events(0, 200), null, Long)); // fills the open chunk; sealed at the next flush tick
        Eventually.True(() => writer.IsPaused, "the input to pause");

        var started = DateTime.UtcNow;
        var error = Assert.Throws<RecordWriteTimeoutException>(() => writer.Write(Events(200, 3), null, TimeSpan.FromMilliseconds(300)));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(300));
        Assert.Equal((0, 3), (error.Written, error.Total));
        Assert.Contains("input powershell.0 stayed paused for 0.3 s", error.Message);
        Assert.Contains("mem_buf_limit (1000 bytes)", error.Message);
        Assert.Contains("0 of 3 records were written", error.Message);
        Assert.Equal(200, pipeline.Inputs[0].Metrics.Records);

        var waiting = Task.Run(() => writer.Write(Events(200, 3), null, Long));
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted); // still paused: the write waits
        release.Set();
        Assert.Equal(3, await waiting.WaitAsync(Long));
        Eventually.True(() => capture.RecordCount == 203, "every record delivered");
        pipeline.Stop();
        Assert.Equal(203, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.DroppedRecords);
    }

    [Fact]
    public void The_wait_for_a_paused_input_can_be_cancelled()
    {
        using var release = new ManualResetEventSlim(false);
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        var (pipeline, _) = Build(Definition([Spec("powershell", ("mem_buf_limit", "1k"))], [Spec("capture")], ("flush", "0.05"), ("grace", "1")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        writer.Write(Events(0, 200), "other", Long);
        Eventually.True(() => writer.IsPaused, "the input to pause");

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => writer.Write(Events(200, 1), null, Long, cancel.Token));
        release.Set();
        pipeline.Stop();
    }

    [Fact]
    public void After_the_pipeline_stops_a_write_fails()
    {
        var (pipeline, _) = Build(Definition([Spec("powershell")], [Spec("null")], ("flush", "0.05")), PluginCatalog.CreateDefault());
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        pipeline.Stop();

        Assert.True(writer.IsClosed);
        var error = Assert.Throws<RecordWriterClosedException>(() => writer.Write(Events(0, 2), null, Long));
        Assert.Equal((0, 2), (error.Written, error.Total));
        Assert.Contains("input powershell.0 has stopped", error.Message);
        Assert.Same(writer, PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0]));
    }

    [Fact]
    public void Bytes_that_are_not_events_are_refused_and_nothing_is_written()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("powershell")], [Spec("capture")], ("flush", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        var writer = PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0])!;
        byte[] bad = [.. Events(0, 2), 0x92, 0x01];

        var error = Assert.Throws<FormatException>(() => writer.Write(bad, null, Long));
        pipeline.Stop();

        Assert.Contains($"at byte {bad.Length - 2}", error.Message);
        Assert.Equal(0, pipeline.Inputs[0].Metrics.Records);
    }

    [Fact]
    public void WriterOf_is_null_for_other_inputs_and_fails_before_the_start()
    {
        var (pipeline, _) = Build(Definition([Spec("dummy"), Spec("powershell")], [Spec("null", ("match", "*"))]), PluginCatalog.CreateDefault());
        Assert.Null(PowerShellInput.WriterOf(pipeline, pipeline.Inputs[0]));
        Assert.Throws<InvalidOperationException>(() => PowerShellInput.WriterOf(pipeline, pipeline.Inputs[1]));
    }
}
