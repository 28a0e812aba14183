using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Outputs.Forward;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Outputs;

public class ForwardOutputTests
{
    private static readonly EventTime Time = new(1795639451, 784245484);
    private static readonly byte[] TimeExt = [0xd7, 0x00, 0x6b, 0x07, 0x48, 0x9b, 0x2e, 0xbe, 0xa2, 0xec];

    private static byte[] Body(string message) => ForwardReceiver.Pack((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(1); w.Write("message"); w.Write(message);
    });

    private static Chunk ChunkOf(string tag, params string[] messages)
    {
        var bytes = new List<byte>();
        foreach (var m in messages)
        {
            var body = Body(m);
            var one = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            EventEncoder.Write(one, Time, EventEncoder.EmptyMap, body);
            bytes.AddRange(one);
        }
        return Chunk.FromBytes(tag, bytes.ToArray(), messages.Length);
    }

    private static (ForwardOutput Output, List<LogEntry> Log) Create(params (string Key, string Value)[] properties)
    {
        var output = new ForwardOutput();
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += e => { lock (entries) entries.Add(e); };
        var props = PluginProperties.From(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        output.Init(new OutputContext("forward.0", props, log, Guid.NewGuid()));
        return (output, entries);
    }

    [Fact]
    public void Forward_mode_message_is_tag_entries_with_event_time_byte_for_byte()
    {
        using var receiver = new ForwardReceiver();
        var (output, _) = Create(("host", "127.0.0.1"), ("port", receiver.Port.ToString()));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", "a", "b")));
            Eventually.True(() => receiver.Messages.Count == 1, "one message");
            // fixarray(2) "app" fixarray(2) [ext0 time, {"message":"a"}] [ext0 time, {"message":"b"}]
            byte[] expected = [0x92, 0xa3, (byte)'a', (byte)'p', (byte)'p', 0x92,
                0x92, .. TimeExt, .. Body("a"), 0x92, .. TimeExt, .. Body("b")];
            Assert.Equal(expected, receiver.Messages[0].Raw);
            Assert.Empty(receiver.Errors);
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void Ack_gzip_tag_override_and_connection_reuse()
    {
        using var receiver = new ForwardReceiver();
        var (output, _) = Create(("port", receiver.Port.ToString()), ("require_ack_response", "on"),
            ("compress", "gzip"), ("tag", "over"));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", "a", "b", "c")));
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", "d")));
            var messages = receiver.Messages;
            Assert.Equal(2, messages.Count);
            Assert.All(messages, m => Assert.Equal("over", m.Tag));
            Assert.Equal("gzip", messages[0].Options["compressed"]);
            Assert.Equal(3L, messages[0].Options["size"]);
            Assert.IsType<string>(messages[0].Options["chunk"]);
            Assert.NotEqual(messages[0].Options["chunk"], messages[1].Options["chunk"]);
            Assert.Equal(Body("c"), messages[0].Entries[2].Body);
            Assert.Equal(TimeExt, messages[0].Entries[2].Time);
            Assert.Equal(1, receiver.Connections);
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void A_missing_ack_is_retried_never_ok()
    {
        using var receiver = new ForwardReceiver(ack: false);
        var (output, log) = Create(("port", receiver.Port.ToString()), ("require_ack_response", "true"), ("net.io_timeout", "1"));
        try
        {
            Assert.Equal(FlushResult.Retry, output.Flush(ChunkOf("app", "a")));
            Assert.Single(receiver.Messages);
            Assert.Contains(log, e => e.Level == LogLevel.Warn && e.Message.Contains("no answer"));
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void Send_options_adds_size_without_chunk()
    {
        using var receiver = new ForwardReceiver();
        var (output, _) = Create(("port", receiver.Port.ToString()), ("send_options", "on"), ("time_as_integer", "on"));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", "a")));
            Eventually.True(() => receiver.Messages.Count == 1, "one message");
            var m = receiver.Messages[0];
            Assert.Equal(new Dictionary<string, object?> { ["size"] = 1L }, m.Options);
            Assert.Equal(new byte[] { 0xce, 0x6b, 0x07, 0x48, 0x9b }, m.Entries[0].Time);
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void Shared_key_handshake_passes_with_the_right_key_and_retries_with_a_wrong_one()
    {
        using var receiver = new ForwardReceiver(sharedKey: "s3cret");
        var (good, _) = Create(("port", receiver.Port.ToString()), ("shared_key", "s3cret"), ("self_hostname", "node1"), ("require_ack_response", "on"));
        var (bad, log) = Create(("port", receiver.Port.ToString()), ("shared_key", "wrong"), ("net.io_timeout", "5"));
        try
        {
            Assert.Equal(FlushResult.Ok, good.Flush(ChunkOf("app", "a")));
            Assert.Equal(FlushResult.Retry, bad.Flush(ChunkOf("app", "b")));
            Assert.Contains(log, e => e.Message.Contains("refused the handshake"));
            Assert.Single(receiver.Messages);
            Assert.Empty(receiver.Errors);
        }
        finally { good.Exit(); bad.Exit(); }
    }

    [Fact]
    public void Connection_refused_is_retry()
    {
        var (output, log) = Create(("port", ForwardReceiver.FreePort().ToString()), ("net.io_timeout", "5"));
        Assert.Equal(FlushResult.Retry, output.Flush(ChunkOf("app", "a")));
        Assert.Contains(log, e => e.Message.Contains("cannot connect to 127.0.0.1:"));
    }

    [Fact]
    public void Aggregator_down_at_start_is_retried_then_receives_every_record()
    {
        int port = ForwardReceiver.FreePort();
        var definition = Pipelines.Definition(
            [Pipelines.Spec("dummy", ("samples", "3"), ("rate", "100"), ("tag", "d"))],
            [Pipelines.Spec("forward", ("match", "*"), ("port", port.ToString()), ("require_ack_response", "on"),
                ("retry_limit", "no_limits"), ("net.io_timeout", "5"))],
            ("flush", "0.2"), ("scheduler.base", "0.2"), ("scheduler.cap", "1"));
        var (pipeline, log) = Pipelines.Build(definition, PluginCatalog.CreateDefault());
        pipeline.Start();
        ForwardReceiver? receiver = null;
        try
        {
            Eventually.True(() => { lock (log) return log.Any(e => e.Message.Contains("will be retried")); }, "a retried flush");
            receiver = new ForwardReceiver(port);
            Eventually.True(() => receiver.Messages.Sum(m => m.Entries.Count) >= 3, "three records at the aggregator");
            Assert.Equal(3, receiver.Messages.Sum(m => m.Entries.Count));
        }
        finally
        {
            pipeline.Stop();
            receiver?.Dispose();
        }
    }
}
