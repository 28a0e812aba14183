using System.Net.Sockets;
using System.Text;
using CoreAgent.Engine.Plugins.Inputs.Syslog;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The syslog input fed by util-linux logger in every mode, and by raw peers.</summary>
public sealed class SyslogInputTests
{
    private static int Port(NetHarness h) => NetHarness.PortOf(h.Input<SyslogInput>().LocalEndPoint);

    private static void Logger(params string[] args)
    {
        var (code, output) = NetHarness.Run("logger", args);
        Assert.True(code == 0, "logger failed: " + output);
    }

    private static Dictionary<string, object> Body(EventSlice e) => MessagePackSerializer.Deserialize<Dictionary<string, object>>(e.Body);

    private static string Socket() => Path.Combine(Directory.CreateTempSubdirectory("coreagent-syslog-").FullName, "log.sock");

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public void Rfc5424FromLoggerOverTheNetwork(string mode)
    {
        using var h = new NetHarness("syslog", ("mode", mode), ("port", "0"));
        string[] transport = mode == "udp" ? ["-d"] : ["-T"];
        Logger(["--rfc5424", "-n", "127.0.0.1", "-P", Port(h).ToString(), .. transport, "-t", "myapp", "--id=4242", "-p", "local3.warning", "--msgid", "ID7", "hello from logger"]);
        Logger(["--rfc5424", "-n", "127.0.0.1", "-P", Port(h).ToString(), .. transport, "-t", "myapp", "second"]);
        if (mode == "tcp") Logger(["--rfc5424", "--octet-count", "-n", "127.0.0.1", "-P", Port(h).ToString(), "-T", "-t", "counted", "third, octet-counted"]);
        int expected = mode == "tcp" ? 3 : 2;
        h.WaitForRecords(expected);
        var events = h.Events;
        Assert.Equal(expected, events.Count);
        var first = Body(events[0].Event);
        Assert.Equal(["pri", "time", "host", "ident", "pid", "msgid", "extradata", "message"], first.Keys);
        Assert.Equal("156", first["pri"]); // local3 (19) * 8 + warning (4)
        Assert.Equal(("myapp", "4242", "ID7", "hello from logger"), ((string)first["ident"], (string)first["pid"], (string)first["msgid"], (string)first["message"]));
        Assert.Equal(Environment.MachineName, (string)first["host"], ignoreCase: true);
        Assert.StartsWith("[timeQuality", (string)first["extradata"]);
        // The record time is the message's own (logger sends microseconds and an offset).
        var stamp = DateTimeOffset.Parse((string)first["time"]);
        Assert.Equal(stamp.ToUnixTimeSeconds(), events[0].Event.Time.Seconds);
        Assert.Equal(stamp.Ticks % TimeSpan.TicksPerSecond * 100, events[0].Event.Time.Nanoseconds);
        Assert.Equal("second", Body(events[1].Event)["message"]);
        if (mode == "tcp") Assert.Equal(("counted", "third, octet-counted"), ((string)Body(events[2].Event)["ident"], (string)Body(events[2].Event)["message"]));
    }

    [Fact]
    public void Rfc3164LocalFromLoggerOnAUnixDatagramSocket()
    {
        string path = Socket();
        using var h = new NetHarness("syslog", ("mode", "unix_udp"), ("path", path));
        Logger("-u", path, "-t", "local-app", "--id=77", "via the unix socket");
        h.WaitForRecords(1);
        var body = Body(Assert.Single(h.Events).Event);
        Assert.Equal(["pri", "time", "ident", "pid", "message"], body.Keys);
        Assert.Equal(("13", "local-app", "77", "via the unix socket"), ((string)body["pri"], (string)body["ident"], (string)body["pid"], (string)body["message"]));
    }

    [Fact]
    public void UnixStreamWithNewlineAndOctetFraming()
    {
        string path = Socket();
        using var h = new NetHarness("syslog", ("mode", "unix_tcp"), ("path", path), ("parser", "syslog-rfc3164"));
        using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        string one = "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed";
        string two = "<13>Feb  5 17:32:18 10.0.0.99 myapp: counted message";
        socket.Send(Encoding.ASCII.GetBytes(one + "\n" + Encoding.ASCII.GetByteCount(two) + " " + two + "<13>Feb  5 17:32:19 h a: last\r\n"));
        h.WaitForRecords(3);
        var bodies = h.Events.Select(e => Body(e.Event)).ToList();
        Assert.Equal(("34", "Oct 11 22:14:15", "mymachine", "su", "230", "'su root' failed"),
            ((string)bodies[0]["pri"], (string)bodies[0]["time"], (string)bodies[0]["host"], (string)bodies[0]["ident"], (string)bodies[0]["pid"], (string)bodies[0]["message"]));
        Assert.Equal(("10.0.0.99", "counted message"), ((string)bodies[1]["host"], (string)bodies[1]["message"]));
        Assert.Equal("last", bodies[2]["message"]);
        // No year in RFC 3164: the current one, as Fluent Bit.
        var when = DateTimeOffset.FromUnixTimeSeconds(h.Events[0].Event.Time.Seconds);
        Assert.Equal((DateTime.UtcNow.Year, 10, 11, 22, 14, 15), (when.Year, when.Month, when.Day, when.Hour, when.Minute, when.Second));
    }

    [Fact]
    public void ParserFromParsersFileAndUnknownParserNames()
    {
        using var h = new NetHarness(d => d.Parsers.Add(CoreAgent.Engine.Parsers.ParserDefinition.Of(("name", "mine"), ("format", "regex"),
            ("regex", @"^<(?<pri>[0-9]+)>(?<rest>.*)$"))), "syslog", ("mode", "udp"), ("port", "0"), ("parser", "mine"));
        Logger("-n", "127.0.0.1", "-P", Port(h).ToString(), "-d", "--rfc3164", "-t", "x", "custom");
        h.WaitForRecords(1);
        var body = Body(Assert.Single(h.Events).Event);
        Assert.Equal(["pri", "rest"], body.Keys);
        Assert.EndsWith("x: custom", (string)body["rest"]);

        var ex = Assert.ThrowsAny<Exception>(() => new NetHarness("syslog", ("mode", "udp"), ("port", "0"), ("parser", "nosuch")).Dispose());
        Assert.Contains("'nosuch' is not a known parser (built in: syslog-rfc5424, syslog-rfc3164-local, syslog-rfc3164", ex.ToString());
    }

    [Fact]
    public void UnparsedMessagesAreDroppedAndBadFramingClosesThePeer()
    {
        using var h = new NetHarness("syslog", ("mode", "tcp"), ("net.io_timeout", "1"), ("buffer_chunk_size", "1k"), ("buffer_max_size", "4k"));
        using (var bad = new TcpClient("127.0.0.1", Port(h)))
        {
            bad.GetStream().Write("not syslog at all\n"u8);
            Eventually.True(() => h.Logged("error parsing log message from 127.0.0.1:"), "the parse warning " + h.LogText());
        }
        foreach (var (bytes, reason) in new[]
        {
            (Encoding.ASCII.GetBytes("12x <13>1 - - - - - - m"), "sent a bad octet count"),
            (Encoding.ASCII.GetBytes("<13>1 " + new string('x', 10_000)), "sent a message larger than buffer_max_size (4000 bytes)"),
            (Encoding.ASCII.GetBytes("500 <13>1 partial"), "sent an incomplete message and nothing more for 1 s"),
        })
        {
            using var bad = new TcpClient("127.0.0.1", Port(h));
            string peer = "127.0.0.1:" + ((System.Net.IPEndPoint)bad.Client.LocalEndPoint!).Port;
            try { bad.GetStream().Write(bytes); } catch (IOException) { }
            Eventually.True(() => h.Logged($"closed connection from {peer}: {reason}"), $"'{reason}': {h.LogText()}");
        }
        Logger("--rfc5424", "-n", "127.0.0.1", "-P", Port(h).ToString(), "-T", "still fine");
        h.WaitForRecords(1);
        Assert.Equal("still fine", Body(Assert.Single(h.Events).Event)["message"]);
    }
}
