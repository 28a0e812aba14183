using System.Net.Sockets;
using CoreAgent.Engine.Plugins.Inputs.Forward;
using MessagePack;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>Peers that send garbage, stall, flood or nest deeply are closed with a line naming them; others are unaffected.</summary>
public sealed class ForwardHostileTests
{
    private static int Port(NetHarness h) => NetHarness.PortOf(h.Input<ForwardInput>().LocalEndPoint);

    private static byte[] Good(int n) => ForwardClient.Pack((ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(3); w.Write("good"); w.Write(1); ForwardClient.Record(ref w, n);
    });

    public static TheoryData<string, byte[], string> Hostile => new()
    {
        { "garbage", [0xc1, 0x00, 0x01], "not a forward message" },
        { "not an array", [0xa3, (byte)'a', (byte)'b', (byte)'c'], "not a forward message" },
        { "deep nesting", [.. Enumerable.Repeat((byte)0x91, 100_000)], "nested deeper" },
        { "bad gzip", ForwardClient.Pack((ref MessagePackWriter w) =>
            { w.WriteArrayHeader(3); w.Write("t"); w.Write(new byte[] { 1, 2, 3, 4 }); w.WriteMapHeader(1); w.Write("compressed"); w.Write("gzip"); }), "not gzip" },
        { "bad time", ForwardClient.Pack((ref MessagePackWriter w) => { w.WriteArrayHeader(3); w.Write("t"); w.Write(true); w.WriteMapHeader(0); }), "not EventTime" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void BadPeerIsClosedAndOthersGoOn(string what, byte[] bytes, string reason)
    {
        using var harness = new NetHarness("forward");
        using var good = new ForwardClient(Port(harness));
        good.Send(Good(1));
        harness.WaitForRecords(1);
        using var bad = new ForwardClient(Port(harness));
        string badPeer = "127.0.0.1:" + ((System.Net.IPEndPoint)((NetworkStream)bad.Stream).Socket.LocalEndPoint!).Port;
        bad.Send(bytes);
        Assert.True(bad.ClosedByServer(), what);
        ForwardProtocolTests.Eventually(() => harness.Logged($"closed connection from {badPeer}"), "the line naming the peer " + badPeer + harness.LogText());
        Assert.True(harness.Logged(reason), harness.LogText());
        good.Send(Good(2));
        harness.WaitForRecords(2);
        Assert.Equal(2, harness.Events.Count);
    }

    [Fact]
    public void StalledPeerIsClosed()
    {
        using var harness = new NetHarness("forward", ("net.io_timeout", "1"));
        using var bad = new ForwardClient(Port(harness));
        bad.Send(Good(1)[..5]);
        Assert.True(bad.ClosedByServer());
        ForwardProtocolTests.Eventually(() => harness.Logged("incomplete message and nothing more for 1 s"), "the stall line");
        Assert.Empty(harness.Events);
    }

    [Fact]
    public void OversizedMessageIsRefused()
    {
        using var harness = new NetHarness("forward", ("buffer_chunk_size", "4k"), ("buffer_max_size", "64k"));
        using var bad = new ForwardClient(Port(harness));
        var huge = ForwardClient.Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3); w.Write("t"); w.Write(1); w.WriteMapHeader(1); w.Write("big"); w.Write(new string('x', 1_000_000));
        });
        try { bad.Send(huge); } catch (IOException) { } // the server may close before everything is written
        Assert.True(bad.ClosedByServer());
        ForwardProtocolTests.Eventually(() => harness.Logged("larger than buffer_max_size (64000 bytes)"), "the flood line" + harness.LogText());
        Assert.Empty(harness.Events);
    }
}
