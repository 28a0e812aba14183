using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Outputs.Http;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Net;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Outputs;

/// <summary>A small HTTP receiver (System.Net.HttpListener) that records each request and answers a chosen status.</summary>
public sealed class HttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Thread _thread;

    public HttpReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; }
    public int Status { get; set; } = 201;
    public string Answer { get; set; } = "";
    public ConcurrentQueue<(string Method, string Path, NameValueHeaders Headers, byte[] Body)> Requests { get; } = new();

    private void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = _listener.GetContext(); } catch (Exception) { return; }
            using var body = new MemoryStream();
            context.Request.InputStream.CopyTo(body);
            var headers = new NameValueHeaders(context.Request.Headers.AllKeys.ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase));
            Requests.Enqueue((context.Request.HttpMethod, context.Request.RawUrl!, headers, body.ToArray()));
            context.Response.StatusCode = Status;
            var answer = Encoding.UTF8.GetBytes(Answer);
            context.Response.OutputStream.Write(answer);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}

public sealed record NameValueHeaders(Dictionary<string, string> Values)
{
    public string? this[string name] => Values.GetValueOrDefault(name);
}

public class HttpOutputTests
{
    private static readonly EventTime Time = new(1795639456, 784229000);

    private static Chunk ChunkOf(string tag, params string[] jsonBodies)
    {
        var bytes = new List<byte>();
        foreach (var json in jsonBodies)
        {
            var body = JsonToMsgPack.ConvertAll(json)[0];
            var one = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            EventEncoder.Write(one, Time, EventEncoder.EmptyMap, body);
            bytes.AddRange(one);
        }
        return Chunk.FromBytes(tag, bytes.ToArray(), jsonBodies.Length);
    }

    private static (HttpOutput Output, List<LogEntry> Log) Create(HttpReceiver receiver, params (string Key, string Value)[] properties)
    {
        var output = new HttpOutput();
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += e => { lock (entries) entries.Add(e); };
        var props = new PluginProperties();
        props.Set("host", "127.0.0.1");
        props.Set("port", receiver.Port.ToString());
        foreach (var (key, value) in properties) props.Add(key, value);
        output.Init(new OutputContext("http.0", props, log, Guid.NewGuid()));
        return (output, entries);
    }

    private static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    [Theory]
    [InlineData("json", "application/json", """[{"date":1795639456.784229,"msg":"hi","n":7},{"date":1795639456.784229,"msg":"two","n":8}]""")]
    [InlineData("json_lines", "application/x-ndjson", "{\"date\":1795639456.784229,\"msg\":\"hi\",\"n\":7}\n{\"date\":1795639456.784229,\"msg\":\"two\",\"n\":8}\n")]
    [InlineData("json_stream", "application/json", """{"date":1795639456.784229,"msg":"hi","n":7}{"date":1795639456.784229,"msg":"two","n":8}""")]
    public void JsonFormatsAreFluentBitsBytes(string format, string contentType, string expected)
    {
        using var receiver = new HttpReceiver();
        var (output, log) = Create(receiver, ("format", format), ("uri", "/in/logs?x=1"));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", """{"msg":"hi","n":7}""", """{"msg":"two","n":8}""")));
            var request = Assert.Single(receiver.Requests);
            Assert.Equal(("POST", "/in/logs?x=1"), (request.Method, request.Path));
            Assert.Equal(contentType, request.Headers["Content-Type"]);
            Assert.Equal("Fluent-Bit", request.Headers["User-Agent"]);
            Assert.Equal(expected, Text(request.Body));
            lock (log) Assert.Contains(log, e => e.Message == $"127.0.0.1:{receiver.Port}, HTTP status=201");
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void DateKeyAndFormatHeadersAuthGzipAndTagHeader()
    {
        using var receiver = new HttpReceiver();
        var (output, _) = Create(receiver, ("format", "json"), ("json_date_key", "ts"), ("json_date_format", "iso8601"), ("compress", "gzip"),
            ("header", "X-One 1"), ("header", "X-Two two words"), ("http_user", "me"), ("http_passwd", "secret"), ("header_tag", "X-Tag"));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app.log", """{"m":1}""")));
            var request = Assert.Single(receiver.Requests);
            Assert.Equal("gzip", request.Headers["Content-Encoding"]);
            using var unzip = new GZipStream(new MemoryStream(request.Body), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            unzip.CopyTo(plain);
            Assert.Equal("""[{"ts":"2026-11-25T20:44:16.784229Z","m":1}]""", Text(plain.ToArray()));
            Assert.Equal(("1", "two words", "app.log"), (request.Headers["X-One"], request.Headers["X-Two"], request.Headers["X-Tag"]));
            Assert.Equal("Basic " + Convert.ToBase64String("me:secret"u8.ToArray()), request.Headers["Authorization"]);
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void MsgpackSendsTheChunkAsItIs()
    {
        using var receiver = new HttpReceiver();
        var (output, _) = Create(receiver);
        try
        {
            var chunk = ChunkOf("app", """{"a":1}""", """{"b":[true,null]}""");
            Assert.Equal(FlushResult.Ok, output.Flush(chunk));
            var request = Assert.Single(receiver.Requests);
            Assert.Equal("application/msgpack", request.Headers["Content-Type"]);
            Assert.Equal(chunk.Memory.ToArray(), request.Body);
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void GelfAsFluentBitWritesIt()
    {
        using var receiver = new HttpReceiver();
        var (output, log) = Create(receiver, ("format", "gelf"), ("gelf_short_message_key", "msg"), ("gelf_level_key", "sev"));
        try
        {
            Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app",
                """{"msg":"hello","sev":"warning","host":"h1","id":5,"user":{"name":"x y","age":3},"tags":["a",1],"ok":true,"f":1.5,"z":null}""")));
            Assert.Equal(
                "{\"version\":\"1.1\", \"short_message\":\"hello\", \"level\":4, \"host\":\"h1\", \"_user_name\":\"x y\", \"_user_age\":3, \"_tags\":\"a, 1\", \"_ok\":\"true\", \"_f\":1.500000, \"timestamp\":1795639456.784}\n",
                Text(Assert.Single(receiver.Requests).Body));
            // A record without the short message cannot be sent: the chunk is an error, as in Fluent Bit.
            Assert.Equal(FlushResult.Error, output.Flush(ChunkOf("app", """{"other":1}""")));
            lock (log) Assert.Contains(log, e => e.Message.Contains("missing msg key"));
            Assert.Single(receiver.Requests);
        }
        finally { output.Exit(); }
    }

    [Theory]
    [InlineData(500, FlushResult.Retry)]
    [InlineData(503, FlushResult.Retry)]
    [InlineData(429, FlushResult.Retry)]
    [InlineData(408, FlushResult.Retry)]
    [InlineData(400, FlushResult.Error)]
    [InlineData(404, FlushResult.Error)]
    [InlineData(302, FlushResult.Retry)]
    [InlineData(206, FlushResult.Retry)]
    [InlineData(205, FlushResult.Ok)]
    public void StatusCodesAsFluentBit(int status, FlushResult expected)
    {
        using var receiver = new HttpReceiver { Status = status, Answer = "{\"error\":\"" + new string('e', 1000) + "\"}" };
        var (output, log) = Create(receiver, ("format", "json"));
        try
        {
            Assert.Equal(expected, output.Flush(ChunkOf("app", """{"m":1}""")));
            // 205 Reset Content carries no body, so its line has no excerpt.
            string line = $"127.0.0.1:{receiver.Port}, HTTP status={status}" + (status == 205 ? "" : "\n{\"error\":\"eeee");
            lock (log)
            {
                var entry = Assert.Single(log, e => e.Message.StartsWith(line, StringComparison.Ordinal));
                Assert.True(entry.Message.Length < 300, "the body excerpt is short");
                Assert.Equal(expected == FlushResult.Ok ? LogLevel.Info : LogLevel.Error, entry.Level);
                Assert.Equal(expected == FlushResult.Error, log.Any(e => e.Message.Contains("chunk will not be retried")));
            }
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void NoServerIsARetry()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        var output = new HttpOutput();
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += e => { lock (entries) entries.Add(e); };
        output.Init(new OutputContext("http.0", PluginProperties.From([new("port", port.ToString())]), log, Guid.NewGuid()));
        try
        {
            Assert.Equal(FlushResult.Retry, output.Flush(ChunkOf("app", """{"m":1}""")));
            lock (entries) Assert.Contains(entries, e => e.Message.StartsWith($"could not flush records to 127.0.0.1:{port} (http_do=-1)"));
        }
        finally { output.Exit(); }
    }

    [Fact]
    public void IntoCoreAgentsOwnHttpInputOverTls()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        using var harness = new NetHarness("http", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key));
        int port = NetHarness.PortOf(harness.Input<CoreAgent.Engine.Plugins.Inputs.Http.HttpInput>().LocalEndPoint);
        var output = new HttpOutput();
        var log = new AgentLog();
        output.Init(new OutputContext("http.0", PluginProperties.From([new("host", "localhost"), new("port", port.ToString()), new("uri", "/from.output"),
            new("format", "json"), new("compress", "gzip"), new("tls", "on"), new("tls.ca_file", crt)]), log, Guid.NewGuid()));
        try
        {
            for (int i = 0; i < 3; i++) Assert.Equal(FlushResult.Ok, output.Flush(ChunkOf("app", $$"""{"i":{{i}}}""", $$"""{"j":{{i}}}""")));
            harness.WaitForRecords(6);
            Assert.All(harness.Events, e => Assert.Equal("from.output", e.Tag));
            Assert.Equal([0, 1, 2], harness.Events.Select(e => MessagePackSerializer.Deserialize<Dictionary<string, object>>(e.Event.Body))
                .Where(b => b.ContainsKey("i")).Select(b => Convert.ToInt32(b["i"])));
            Assert.All(harness.Events, e => Assert.StartsWith("{\"date\":", NetHarness.Json(e.Event)));
        }
        finally { output.Exit(); }
        // Without the CA, verification (on by default) refuses the self-signed certificate.
        var strict = new HttpOutput();
        strict.Init(new OutputContext("http.1", PluginProperties.From([new("host", "localhost"), new("port", port.ToString()), new("tls", "on")]), log, Guid.NewGuid()));
        try { Assert.Equal(FlushResult.Retry, strict.Flush(ChunkOf("app", """{"m":1}"""))); }
        finally { strict.Exit(); }
    }
}
