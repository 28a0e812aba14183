using System.Net;
using System.Net.Sockets;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs.Tcp;
using CoreAgent.Engine.Plugins.Outputs.Tcp;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Net;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Outputs;

public class TcpOutputTests
{
    private static readonly EventTime Time = new(1795639456, 784229000);

    private static Chunk ChunkOf(params string[] jsonBodies)
    {
        var bytes = new List<byte>();
        foreach (var json in jsonBodies)
        {
            var body = JsonToMsgPack.ConvertAll(json)[0];
            var one = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            EventEncoder.Write(one, Time, EventEncoder.EmptyMap, body);
            bytes.AddRange(one);
        }
        return Chunk.FromBytes("app", bytes.ToArray(), jsonBodies.Length);
    }

    private static (TcpOutput, List<LogEntry>) Create(params (string Key, string Value)[] properties)
    {
        var output = new TcpOutput();
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += e => { lock (entries) entries.Add(e); };
        output.Init(new OutputContext("tcp.0", PluginProperties.From(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value))), log, Guid.NewGuid()));
        return (output, entries);
    }

    /// <summary>Accepts one connection and reads until the expected byte count arrives.</summary>
    private static byte[] Receive(TcpListener listener, int count)
    {
        using var client = listener.AcceptTcpClient();
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        var buffer = new byte[count];
        stream.ReadExactly(buffer);
        return buffer;
    }

    [Theory]
    [InlineData("json_lines", "{\"date\":1795639456.784229,\"m\":1}\n{\"date\":1795639456.784229,\"m\":2}\n")]
    [InlineData("json", "[{\"date\":1795639456.784229,\"m\":1},{\"date\":1795639456.784229,\"m\":2}]")]
    [InlineData("json_stream", "{\"date\":1795639456.784229,\"m\":1}{\"date\":1795639456.784229,\"m\":2}")]
    public void JsonFormats(string format, string expected)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (output, _) = Create(("port", ((IPEndPoint)listener.LocalEndpoint).Port.ToString()), ("format", format));
        try
        {
            var received = Task.Run(() => Receive(listener, Encoding.UTF8.GetByteCount(expected) * 2));
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("""{"m":1}""", """{"m":2}""")));
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("""{"m":1}""", """{"m":2}"""))); // the same connection again
            Assert.Equal(expected + expected, Encoding.UTF8.GetString(received.Result));
        }
        finally { output.Exit(); listener.Stop(); }
    }

    [Fact]
    public void MsgpackIsTheChunkAndNoServerIsARetry()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (output, log) = Create(("port", port.ToString()));
        try
        {
            var chunk = ChunkOf("""{"a":[1,2]}""");
            var received = Task.Run(() => Receive(listener, chunk.Length));
            Assert.Equal(FlushResult.Ok, output.Flush(chunk));
            Assert.Equal(chunk.Memory.ToArray(), received.Result);
            listener.Stop();
            Eventually.True(() => output.Flush(chunk) == FlushResult.Retry, "a retry once the server is gone");
            lock (log) Assert.Contains(log, e => e.Message.StartsWith($"could not write payload to 127.0.0.1:{port}"));
        }
        finally { output.Exit(); listener.Stop(); }
    }

    [Fact]
    public void JsonLinesIntoCoreAgentsTcpInputOverTls()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        using var harness = new NetHarness("tcp", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key));
        int port = NetHarness.PortOf(harness.Input<TcpInput>().LocalEndPoint);
        var (output, _) = Create(("host", "localhost"), ("port", port.ToString()), ("format", "json_lines"), ("json_date_key", "false"),
            ("tls", "on"), ("tls.ca_file", crt));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("""{"m":1}""", """{"m":2}""", """{"s":"x"}""")));
            harness.WaitForRecords(3);
            Assert.Equal(["""{"m":1}""", """{"m":2}""", """{"s":"x"}"""], harness.Events.Select(e => NetHarness.Json(e.Event)));
        }
        finally { output.Exit(); }
    }
}
