using System.Text;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Inputs.Forward;
using CoreAgent.Engine.Records;
using MessagePack;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The forward input's event modes, options, handshake and TLS, spoken byte by byte.</summary>
public sealed class ForwardProtocolTests
{
    private static readonly EventTime T = new(1_800_000_000, 5);

    private static int Port(NetHarness h) => NetHarness.PortOf(h.Input<ForwardInput>().LocalEndPoint);

    private static byte[] Entries(int from, int count, bool v2 = false) => ForwardClient.Pack((ref MessagePackWriter w) =>
    {
        for (int i = from; i < from + count; i++)
        {
            w.WriteArrayHeader(2);
            if (v2)
            {
                w.WriteArrayHeader(2);
                ForwardClient.Time(ref w, T);
                w.WriteMapHeader(1);
                w.Write("m");
                w.Write(i);
            }
            else
            {
                ForwardClient.Time(ref w, T);
            }
            ForwardClient.Record(ref w, i);
        }
    });

    [Fact]
    public void AllFourModesWithAcks()
    {
        using var harness = new NetHarness("forward");
        using var client = new ForwardClient(Port(harness));
        // Message with an integer time and an ack
        client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(4); w.Write("message"); w.Write(1_700_000_001); ForwardClient.Record(ref w, 0);
            w.WriteMapHeader(1); w.Write("chunk"); w.Write("c1");
        }));
        Assert.Equal("""{"ack":"c1"}""", MessagePackSerializer.ConvertToJson(client.Receive()));
        // Forward
        client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3); w.Write("forward"); w.WriteArrayHeader(3);
            for (int i = 0; i < 3; i++) { w.WriteArrayHeader(2); ForwardClient.Time(ref w, T); ForwardClient.Record(ref w, i); }
            w.WriteMapHeader(1); w.Write("chunk"); w.Write("c2");
        }));
        Assert.Equal("""{"ack":"c2"}""", MessagePackSerializer.ConvertToJson(client.Receive()));
        // PackedForward (bin), with v2 entries carrying metadata
        var packed = Entries(0, 5, v2: true);
        client.Send(ForwardClient.Pack((ref MessagePackWriter w) => { w.WriteArrayHeader(2); w.Write("packed"); w.Write(packed); }));
        // CompressedPackedForward: two concatenated gzip members
        byte[] gz = [.. Gzip.Compress(Entries(0, 4)), .. Gzip.Compress(Entries(4, 6))];
        client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3); w.Write("gz"); w.Write(gz);
            w.WriteMapHeader(3); w.Write("size"); w.Write(10); w.Write("compressed"); w.Write("gzip"); w.Write("chunk"); w.Write("c3");
        }));
        Assert.Equal("""{"ack":"c3"}""", MessagePackSerializer.ConvertToJson(client.Receive()));

        harness.WaitForRecords(1 + 3 + 5 + 10);
        var events = harness.Events;
        Assert.Equal(19, events.Count);
        var message = Assert.Single(events, e => e.Tag == "message").Event;
        Assert.Equal(new EventTime(1_700_000_001, 0), message.Time);
        Assert.Equal(3, events.Count(e => e.Tag == "forward" && e.Event.Time == T));
        var packedEvents = events.Where(e => e.Tag == "packed").Select(e => e.Event).ToList();
        Assert.Equal(["""{"m":0}""", """{"m":1}""", """{"m":2}""", """{"m":3}""", """{"m":4}"""],
            packedEvents.Select(e => MessagePackSerializer.ConvertToJson(e.Metadata)));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $$"""{"n":{{i}}}"""), events.Where(e => e.Tag == "gz").Select(e => NetHarness.Json(e.Event)));
    }

    [Fact]
    public void NonMapBodiesAreSkippedAndTheRestKept()
    {
        using var harness = new NetHarness("forward");
        using var client = new ForwardClient(Port(harness));
        client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2); w.Write("t"); w.WriteArrayHeader(2);
            w.WriteArrayHeader(2); w.Write(1); w.Write("not a map");
            w.WriteArrayHeader(2); w.Write(2); ForwardClient.Record(ref w, 7);
        }));
        harness.WaitForRecords(1);
        Eventually(() => harness.Logged("whose body is not a map"), "the skip warning");
        Assert.Equal("""{"n":7}""", NetHarness.Json(Assert.Single(harness.Events).Event));
    }

    [Fact]
    public void SharedKeyHandshake()
    {
        using var harness = new NetHarness("forward", ("shared_key", "s3cret"), ("self_hostname", "server1"));
        foreach (var (key, accepted) in new[] { ("wrong", false), ("s3cret", true) })
        {
            using var client = new ForwardClient(Port(harness));
            var helo = MessagePackSerializer.Deserialize<object[]>(client.Receive());
            Assert.Equal("HELO", helo[0]);
            var nonce = (byte[])((Dictionary<object, object>)helo[1])["nonce"];
            string digest = ForwardHandshake.ClientDigest("salt", "client1", nonce, key);
            client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(6); w.Write("PING"); w.Write("client1"); w.Write("salt"); w.Write(digest); w.Write(""); w.Write("");
            }));
            var pong = MessagePackSerializer.Deserialize<object[]>(client.Receive());
            Assert.Equal("PONG", pong[0]);
            Assert.Equal(accepted, pong[1]);
            if (!accepted)
            {
                Assert.Equal("shared_key mismatch", pong[2]);
                Assert.True(client.ClosedByServer());
                continue;
            }
            Assert.Equal("server1", pong[3]);
            Assert.Equal(ForwardHandshake.ClientDigest("salt", "server1", nonce, "s3cret"), pong[4]);
            client.Send(ForwardClient.Pack((ref MessagePackWriter w) => { w.WriteArrayHeader(3); w.Write("k"); w.Write(1); ForwardClient.Record(ref w, 1); }));
            harness.WaitForRecords(1);
        }
        Assert.True(harness.Logged("failed the shared key handshake: shared_key mismatch"), harness.LogText());
        Assert.Single(harness.Events);
    }

    [Fact]
    public void TlsWithAGeneratedCertificate()
    {
        var (crt, key) = TestCertificates.SelfSigned();
        using var harness = new NetHarness("forward", ("tls", "on"), ("tls.crt_file", crt), ("tls.key_file", key));
        using (var client = new ForwardClient(Port(harness), tls: true))
        {
            client.Send(ForwardClient.Pack((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(4); w.Write("secure"); w.Write(5); ForwardClient.Record(ref w, 3);
                w.WriteMapHeader(1); w.Write("chunk"); w.Write("x");
            }));
            Assert.Equal("""{"ack":"x"}""", MessagePackSerializer.ConvertToJson(client.Receive()));
        }
        harness.WaitForRecords(1);
        // A plain-text peer on the TLS port is closed with a line naming it.
        using var plain = new ForwardClient(Port(harness));
        plain.Send(Encoding.ASCII.GetBytes("hello there, this is not TLS\r\n\r\n"));
        Assert.True(plain.ClosedByServer());
        Eventually(() => harness.Logged("TLS handshake failed"), "the TLS failure line");
        Assert.Single(harness.Events);
    }

    internal static void Eventually(Func<bool> condition, string what) => Support.Eventually.True(condition, what, TimeSpan.FromSeconds(20));
}
