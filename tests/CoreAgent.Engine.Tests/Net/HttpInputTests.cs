using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using CoreAgent.Engine.Plugins.Inputs.Http;
using CoreAgent.Engine.Tests.Support;
using MessagePack;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The http input driven by real curl, and by raw sockets for what curl will not send.</summary>
public sealed class HttpInputTests
{
    private static int Port(NetHarness h) => NetHarness.PortOf(h.Input<HttpInput>().LocalEndPoint);

    private static string Url(NetHarness h, string path) => $"http://127.0.0.1:{Port(h)}{path}";

    /// <summary>Runs curl; returns "status body".</summary>
    private static string Curl(params string[] args)
    {
        var (code, output) = NetHarness.Run("curl", ["-sS", "-o", "-", "-w", " %{http_code}", .. args]);
        Assert.True(code == 0, $"curl failed ({code}): {output}");
        return output;
    }

    private static string TempFile(byte[] bytes)
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void JsonObjectArrayAndConcatenatedObjectsTaggedByPath()
    {
        using var h = new NetHarness("http");
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", """{"msg":"hi","n":7,"f":1.5,"a":[1,"x"],"m":{"k":null}}""", Url(h, "/app.log")));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json; charset=utf-8", "-d", """[{"i":1},{"i":2},{"i":3}]""", Url(h, "/")));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", """{"i":4} {"i":5}""", Url(h, "/a/b%20c?x=1")));
        h.WaitForRecords(6);
        var events = h.Events;
        Assert.Equal(6, events.Count);
        Assert.Equal(("app.log", """{"msg":"hi","n":7,"f":1.5,"a":[1,"x"],"m":{"k":null}}"""), (events[0].Tag, NetHarness.Json(events[0].Event)));
        Assert.Equal(["http.0", "http.0", "http.0"], events.Skip(1).Take(3).Select(e => e.Tag));
        Assert.Equal(["""{"i":1}""", """{"i":2}""", """{"i":3}"""], events.Skip(1).Take(3).Select(e => NetHarness.Json(e.Event)));
        Assert.Equal(["a_b_c", "a_b_c"], events.Skip(4).Select(e => e.Tag));
        // Integers stay integers and 1.5 a float64, as flb_pack_json packs them.
        var body = MessagePackSerializer.Deserialize<Dictionary<string, object>>(events[0].Event.Body);
        Assert.IsType<byte>(body["n"]);
        Assert.IsType<double>(body["f"]);
    }

    [Fact]
    public void TagKeyAndTheDefaultTagSetting()
    {
        using var h = new NetHarness("http", ("tag", "web"), ("tag_key", "t"));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", """[{"t":"from.key","v":1},{"v":2},{"t":3,"v":3}]""", Url(h, "/")));
        h.WaitForRecords(3);
        Assert.Equal(["from.key", "web", "web"], h.Events.Select(e => e.Tag));
        Eventually.True(() => h.Logged("tag_key 't' not found in 2 record(s)"), "the tag_key line " + h.LogText());
    }

    [Fact]
    public void MsgPackFormAndGzipBodies()
    {
        using var h = new NetHarness("http");
        var packed = MessagePackSerializer.Serialize(new object[] { new Dictionary<string, object> { ["m"] = 1 }, new Dictionary<string, object> { ["m"] = 2 } });
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/msgpack", "--data-binary", "@" + TempFile(packed), Url(h, "/mp")));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/x-www-form-urlencoded", "-d", "a=1&b=hello+world%21&bad", Url(h, "/form")));
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, true)) z.Write("""{"z":"unzipped"}"""u8);
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip", "--data-binary", "@" + TempFile(gz.ToArray()), Url(h, "/gz")));
        h.WaitForRecords(4);
        Assert.Equal(["""{"m":1}""", """{"m":2}""", """{"a":"1","b":"hello world!"}""", """{"z":"unzipped"}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
        Assert.Equal(["mp", "mp", "form", "gz"], h.Events.Select(e => e.Tag));
    }

    [Fact]
    public void ChunkedLargeBodiesAndKeepAlive()
    {
        using var h = new NetHarness("http");
        // 2000 records in one body of ~60 KB: curl sends "Expect: 100-continue" and, with the header, chunks.
        var json = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"i":{{i}},"pad":"{{new string('p', 20)}}"}""")) + "]";
        string file = TempFile(Encoding.UTF8.GetBytes(json));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, Url(h, "/chunked")));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "--data-binary", "@" + file, Url(h, "/plain")));
        // Two requests in one curl run share one connection: %{num_connects} is 0 for the second.
        var (code, output) = NetHarness.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}:%{num_connects}\n", "-H", "Content-Type: application/json",
            "-d", """{"k":1}""", Url(h, "/ka"), "--next", "-sS", "-o", "/dev/null", "-w", "%{http_code}:%{num_connects}\n",
            "-H", "Content-Type: application/json", "-d", """{"k":2}""", Url(h, "/ka"));
        Assert.Equal(0, code);
        Assert.Equal(["201:1", "201:0"], output.Trim().Split('\n'));
        h.WaitForRecords(4002);
        Assert.Equal(2000, h.Events.Count(e => e.Tag == "chunked"));
        Assert.Equal(2000, h.Events.Count(e => e.Tag == "plain"));
        Assert.Equal(Enumerable.Range(0, 2000), h.Events.Where(e => e.Tag == "chunked").Select(e => Convert.ToInt32(MessagePackSerializer.Deserialize<Dictionary<string, object>>(e.Event.Body)["i"])));
        Assert.Equal(4002, h.Events.Count);
    }

    [Theory]
    [InlineData("-d", "{\"a\":", "application/json", "error: invalid payload\n")]
    [InlineData("-d", "\"just a string\"", "application/json", "error: invalid payload\n")]
    [InlineData("-d", "{}", "text/plain", "error: invalid 'Content-Type'\n")]
    [InlineData("-d", "", "application/json", "error: no payload found\n")]
    public void UnreadableBodiesGet400WithAReason(string flag, string data, string type, string expected)
    {
        using var h = new NetHarness("http");
        Assert.Equal(expected + " 400", Curl("-H", "Content-Type: " + type, flag, data, Url(h, "/bad")));
        Assert.Equal("error: header 'Content-Type' is not set\n 400", Curl("-H", "Content-Type:", "-d", "{}", Url(h, "/bad")));
        Assert.Equal("error: invalid HTTP method\n 400", Curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", "{}", Url(h, "/bad")));
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", "{\"ok\":1}", Url(h, "/good")));
        h.WaitForRecords(1);
        Assert.Equal("""{"ok":1}""", NetHarness.Json(Assert.Single(h.Events).Event));
        Assert.True(h.Logged("answered 400 to 127.0.0.1:"), h.LogText());
    }

    [Fact]
    public void SuccessCodeHeadersAndHealth()
    {
        using var h = new NetHarness("http", ("successful_response_code", "204"), ("success_header", "X-Custom yes"));
        var (code, output) = NetHarness.Run("curl", "-sS", "-i", "-H", "Content-Type: application/json", "-d", "{}", Url(h, "/x"));
        Assert.Equal(0, code);
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", output);
        Assert.Contains("X-Custom: yes\r\n", output);
        var health = Curl(Url(h, "/health"));
        Assert.Contains("\"status\": \"ok\"", health);
        Assert.EndsWith(" 200", health);
    }

    [Fact]
    public void TlsWithCurl()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        using var h = new NetHarness("http", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key));
        Assert.Equal(" 201", Curl("--cacert", crt, "-H", "Content-Type: application/json", "-d", "{\"s\":1}", $"https://localhost:{Port(h)}/secure"));
        h.WaitForRecords(1);
        Assert.Equal("secure", Assert.Single(h.Events).Tag);
    }

    [Fact]
    public void TlsVerifyChecksClientCertificatesAgainstTheCaFile()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        var (ca, clientCrt, clientKey) = TestCertificates.ClientSignedByCa("trusted");
        var (_, otherCrt, otherKey) = TestCertificates.ClientSignedByCa("stranger");
        using var h = new NetHarness("http", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key), ("tls.ca_file", ca));
        string url = $"https://localhost:{Port(h)}/mtls";
        Assert.Equal(" 201", Curl("--cacert", crt, "--cert", clientCrt, "--key", clientKey, "-H", "Content-Type: application/json", "-d", "{\"c\":1}", url));
        // As Fluent Bit (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT), a client without a certificate is accepted.
        Assert.Equal(" 201", Curl("--cacert", crt, "-H", "Content-Type: application/json", "-d", "{\"c\":2}", url));
        var (code, output) = NetHarness.Run("curl", "-sS", "--cacert", crt, "--cert", otherCrt, "--key", otherKey, "-H", "Content-Type: application/json", "-d", "{\"c\":3}", url);
        Assert.NotEqual(0, code);
        Eventually.True(() => h.Logged("TLS handshake failed"), "the handshake line " + h.LogText() + output);
        h.WaitForRecords(2);
        Assert.Equal(["""{"c":1}""", """{"c":2}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
    }

    /// <summary>A raw socket client: sends bytes, reads what the server answers until it closes.</summary>
    private static (string Answer, string Peer) Raw(NetHarness h, byte[] request, bool waitForClose = true)
    {
        using var tcp = new TcpClient("127.0.0.1", Port(h));
        string peer = "127.0.0.1:" + ((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        var stream = tcp.GetStream();
        stream.ReadTimeout = 30_000;
        try { stream.Write(request); } catch (IOException) { }
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                answer.Write(buffer, 0, n);
                if (!waitForClose && answer.Length > 0) break;
            }
        }
        catch (IOException) { }
        return (Encoding.Latin1.GetString(answer.ToArray()), peer);
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "garbage", "\u0001\u0002garbage\r\n\r\n", "400 Bad Request" },
        { "bad version", "POST / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported" },
        { "no host", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "400 Bad Request" },
        { "smuggling", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 Bad Request" },
        { "bad chunk", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400 Bad Request" },
        { "huge body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n", "413 Payload Too Large" },
        { "folded header", "POST / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "400 Bad Request" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void BadRequestsAreAnsweredAndClosedAndOthersGoOn(string what, string request, string status)
    {
        using var h = new NetHarness("http");
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", "{\"n\":1}", Url(h, "/good")));
        var (answer, peer) = Raw(h, Encoding.Latin1.GetBytes(request));
        Assert.StartsWith("HTTP/1.1 " + status + "\r\n", answer);
        Assert.Contains("Connection: close\r\n", answer);
        Eventually.True(() => h.Logged($"closed connection from {peer}"), $"the line naming {peer} ({what}): {h.LogText()}");
        Assert.Equal(" 201", Curl("-H", "Content-Type: application/json", "-d", "{\"n\":2}", Url(h, "/good")));
        h.WaitForRecords(2);
        Assert.Equal(2, h.Events.Count);
    }

    [Fact]
    public void FloodOfHeadersAndStalledPeersAreClosed()
    {
        using var h = new NetHarness("http", ("net.io_timeout", "1"));
        var flood = Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Repeat("X-Junk: " + new string('j', 1000) + "\r\n", 200)));
        var (answer, peer) = Raw(h, flood);
        Assert.StartsWith("HTTP/1.1 431 ", answer);
        Eventually.True(() => h.Logged($"closed connection from {peer}: sent a request head larger than"), "the flood line " + h.LogText());
        var (stalled, stalledPeer) = Raw(h, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"a\""u8.ToArray());
        Assert.Equal("", stalled);
        Eventually.True(() => h.Logged($"closed connection from {stalledPeer}: sent an incomplete message and nothing more for 1 s"), "the stall line " + h.LogText());
        Assert.Empty(h.Events);
    }

    [Fact]
    public void PipelinedRequestsOnOneConnection()
    {
        using var h = new NetHarness("http");
        string one(int i) => $"POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {6 + i.ToString().Length}\r\n\r\n{{\"i\":{i}}}\r\n";
        var request = Encoding.ASCII.GetBytes(one(1) + one(22) + one(333).Replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n"));
        var (answer, _) = Raw(h, request);
        Assert.Equal(3, answer.Split("HTTP/1.1 201 Created").Length - 1);
        h.WaitForRecords(3);
        Assert.Equal(["""{"i":1}""", """{"i":22}""", """{"i":333}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
    }
}
