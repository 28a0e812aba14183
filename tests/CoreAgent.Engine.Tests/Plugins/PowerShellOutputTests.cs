using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Outputs;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.SessionPlugins;

public class PowerShellOutputTests
{
    private static Chunk ChunkOf(int records) =>
        FilterEvents.ChunkOf("t", [.. Enumerable.Range(0, records).Select(i => $$"""{"n":{{i}}}""")]);

    private static (PowerShellOutput Output, List<LogEntry> Log, Func<long> Dropped) Create(int capacity)
    {
        var entries = new List<LogEntry>();
        var log = new AgentLog();
        log.Written += e => { lock (entries) entries.Add(e); };
        var output = new PowerShellOutput();
        long dropped = 0;
        ((IReportsDroppedRecords)output).AttachDropCounter((n, _) => Interlocked.Add(ref dropped, n));
        var properties = new PluginProperties();
        properties.Set("buffer_records", capacity.ToString());
        output.Init(new OutputContext("powershell.0", properties, log, Guid.NewGuid()));
        return (output, entries, () => Interlocked.Read(ref dropped));
    }

    [Fact]
    public void Is_a_built_in_output_with_a_buffer_records_property()
    {
        var plugin = PluginCatalog.CreateDefault().Find("powershell", PluginType.Output);
        Assert.NotNull(plugin);
        var property = Assert.Single(plugin.Properties);
        Assert.Equal(("buffer_records", PropertyType.Integer, "10000"), (property.Name, property.Type, property.Default));
        Assert.Equal(10_000, new PowerShellOutput().Buffer.Capacity);
    }

    [Fact]
    public void Flush_returns_ok_and_buffers_a_copy_of_the_chunk()
    {
        var (output, log, dropped) = Create(100);
        var chunk = ChunkOf(3);
        var expected = chunk.Span.ToArray();

        Assert.Equal(FlushResult.Ok, output.Flush(chunk));

        Assert.True(output.Buffer.TryTake(out var batch));
        Assert.Equal(("t", 3), (batch.Tag, batch.Count));
        Assert.Equal(expected, batch.Events.ToArray());
        Assert.Equal(0, dropped());
        Assert.Empty(log);
    }

    [Fact]
    public void Counts_dropped_records_and_warns_once_per_burst()
    {
        var (output, log, dropped) = Create(4);

        output.Flush(ChunkOf(3));
        output.Flush(ChunkOf(3)); // 2 dropped: the burst starts
        output.Flush(ChunkOf(3)); // 3 more in the same burst
        Assert.Equal(5, dropped());
        var warning = Assert.Single(log);
        Assert.Equal(LogLevel.Warn, warning.Level);
        Assert.StartsWith("powershell.0 dropped 2 records nobody received", warning.Message);

        Assert.True(output.Buffer.TryTake(out _)); // someone receives: the burst is over
        output.Flush(ChunkOf(3));
        output.Flush(ChunkOf(3));
        Assert.Equal(2, log.Count);
        Assert.StartsWith("powershell.0 dropped ", log[1].Message);
        Assert.Equal(output.Buffer.Dropped, dropped());
    }

    [Fact]
    public void Exit_completes_the_buffer()
    {
        var (output, _, _) = Create(10);
        output.Flush(ChunkOf(1));
        output.Exit();
        Assert.True(output.Buffer.IsCompleted);
        Assert.True(output.Buffer.TryTake(out _));
        Assert.True(output.Buffer.IsFinished);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void Init_rejects_a_buffer_of_no_records(string value)
    {
        var properties = new PluginProperties();
        properties.Set("buffer_records", value);
        var error = Assert.Throws<PropertyException>(() => new PowerShellOutput().Init(new OutputContext("powershell.0", properties, AgentLog.Null, Guid.NewGuid())));
        Assert.Equal("buffer_records", error.Key);
    }

    [Fact]
    public void In_a_pipeline_the_records_wait_in_the_buffer_and_drops_count_in_dropped_records()
    {
        var definition = Definition(
            [Spec("dummy", ("samples", "4"), ("copies", "3"), ("rate", "100"), ("dummy", """{"msg":"hi"}"""))],
            [Spec("powershell", ("buffer_records", "5"))],
            ("flush", "0.05"));
        var (pipeline, log) = Build(definition, PluginCatalog.CreateDefault());
        var buffer = PowerShellOutput.BufferOf(pipeline.Outputs[0]);
        Assert.NotNull(buffer);

        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.DroppedRecords == 7, "12 records flushed into a buffer of 5");
        pipeline.Stop();

        Assert.Equal(7, pipeline.Outputs[0].Metrics.DroppedRecords);
        Assert.Equal(5, pipeline.Outputs[0].Metrics.ProcRecords); // the dropped ones were never processed
        Assert.Equal(pipeline.Inputs[0].Metrics.Bytes * 5 / 12, pipeline.Outputs[0].Metrics.ProcBytes);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.Errors);
        Assert.True(buffer.IsCompleted);
        Assert.Equal(5, buffer.Count);
        var events = new List<EventSlice>();
        while (buffer.TryTake(out var batch))
        {
            Assert.Equal("dummy.0", batch.Tag);
            events.AddRange(EventReader.ReadAll(batch.Events));
        }
        Assert.Equal(5, events.Count);
        Assert.All(events, e => Assert.Equal(JsonToMsgPack.ConvertAll("""{"msg":"hi"}""")[0], e.Body.ToArray()));
        Assert.Contains(log, e => e.Level == LogLevel.Warn && e.Message.StartsWith("powershell.0 dropped ") && e.Message.Contains(" records nobody received"));
    }

    [Fact]
    public void BufferOf_is_null_for_other_outputs()
    {
        var (pipeline, _) = Build(Definition([Spec("dummy")], [Spec("null")]), PluginCatalog.CreateDefault());
        Assert.Null(PowerShellOutput.BufferOf(pipeline.Outputs[0]));
    }
}
