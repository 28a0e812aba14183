using System.Net.Sockets;
using System.Text;
using CoreAgent.Engine.Plugins.Inputs.Tcp;
using CoreAgent.Engine.Tests.Support;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The tcp input fed by bash's /dev/tcp (a real client that just writes bytes) and raw sockets.</summary>
public sealed class TcpInputTests
{
    private static int Port(NetHarness h) => NetHarness.PortOf(h.Input<TcpInput>().LocalEndPoint);

    private static void Bash(NetHarness h, string printfFormat)
    {
        var (code, output) = NetHarness.Run("bash", "-c", $"printf '{printfFormat}' > /dev/tcp/127.0.0.1/{Port(h)}");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void JsonConcatenatedAndNewlineDelimited()
    {
        using var h = new NetHarness("tcp");
        Bash(h, """{"a":1}{"a":2}\n{"a":3}\r\n  {"s":"x\\u00e9\\"y"}\n[1,2]\n""");
        h.WaitForRecords(5);
        Assert.Equal(["""{"a":1}""", """{"a":2}""", """{"a":3}""", """{"s":"xé\"y"}""", """{"msg":[1,2]}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
        Assert.All(h.Events, e => Assert.Equal("tcp.0", e.Tag));
    }

    [Fact]
    public void JsonSplitAcrossWritesAndSourceAddress()
    {
        using var h = new NetHarness("tcp", ("source_address_key", "src"));
        using var tcp = new TcpClient("127.0.0.1", Port(h));
        int local = ((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        var stream = tcp.GetStream();
        stream.Write("{\"k\":\"par"u8);
        stream.Flush();
        stream.Write("t\"}"u8);
        stream.Write("[\"x\"]"u8);
        stream.Flush();
        h.WaitForRecords(2);
        Assert.Equal([$$"""{"k":"part","src":"tcp://127.0.0.1:{{local}}"}""", $$"""{"msg":["x"],"src":"tcp://127.0.0.1:{{local}}"}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
    }

    [Fact]
    public void NoneFormatWithSeparators()
    {
        using var h = new NetHarness("tcp", ("format", "none"));
        Bash(h, "line one\\nline two\\n\\nlast without newline");
        h.WaitForRecords(2);
        Eventually.True(() => h.Logged("closed in the middle of a record"), "the partial line warning " + h.LogText());
        Assert.Equal(["""{"log":"line one"}""", """{"log":"line two"}"""], h.Events.Select(e => NetHarness.Json(e.Event)));

        using var h2 = new NetHarness("tcp", ("format", "none"), ("separator", "\\r\\n--"));
        Bash(h2, "a\\r\\n--b\\nc\\r\\n--");
        h2.WaitForRecords(2);
        Assert.Equal(["""{"log":"a"}""", """{"log":"b\nc"}"""], h2.Events.Select(e => NetHarness.Json(e.Event)));
    }

    [Fact]
    public void GarbageFloodAndStallCloseOnlyThatPeer()
    {
        using var h = new NetHarness("tcp", ("net.io_timeout", "1"), ("chunk_size", "4"), ("buffer_size", "8"));
        using var good = new TcpClient("127.0.0.1", Port(h));
        good.GetStream().Write("{\"n\":1}\n"u8);
        h.WaitForRecords(1);
        foreach (var (bytes, reason) in new[]
        {
            (Encoding.ASCII.GetBytes("{\"a\":1}not json\n"), "sent bytes that are not JSON"),
            (Encoding.ASCII.GetBytes("{\"big\":\"" + new string('x', 20_000)), "sent a message larger than buffer_size (8 KB)"),
            (Encoding.ASCII.GetBytes("{\"half\":"), "sent an incomplete message and nothing more for 1 s"),
        })
        {
            using var bad = new TcpClient("127.0.0.1", Port(h));
            string peer = "127.0.0.1:" + ((System.Net.IPEndPoint)bad.Client.LocalEndPoint!).Port;
            try { bad.GetStream().Write(bytes); } catch (IOException) { }
            Eventually.True(() => h.Logged($"closed connection from {peer}: {reason}"), $"'{reason}' for {peer}: {h.LogText()}");
        }
        good.GetStream().Write("{\"n\":2}\n"u8);
        h.WaitForRecords(3);
        // The garbage peer's first object was complete, so it was accepted before the garbage.
        Assert.Equal(["""{"n":1}""", """{"a":1}""", """{"n":2}"""], h.Events.Select(e => NetHarness.Json(e.Event)));
    }

    [Fact]
    public void TlsConnections()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        using var h = new NetHarness("tcp", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key), ("tls.verify", "off"));
        var (code, output) = NetHarness.Run("bash", "-c", $"printf '{{\"t\":1}}\\n' | timeout 60 openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:{Port(h)} -CAfile {crt} 2>&1");
        h.WaitForRecords(1, TimeSpan.FromSeconds(30));
        Assert.Equal("""{"t":1}""", NetHarness.Json(Assert.Single(h.Events).Event));
    }
}
