using CoreAgent.Engine.Plugins.Inputs.Forward;
using Xunit;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The forward input against fluent-logger-golang, a real forward client (tests/clients/forward_sender).</summary>
public sealed class ForwardGoClientTests
{
    private const long Start = 1_700_000_000;

    [Theory]
    [InlineData(false, false, 3000)]
    [InlineData(true, true, 500)]
    [InlineData(true, false, 200)]
    public void EveryRecordArrivesOnceWithItsTimestamp(bool ack, bool subsecond, int count)
    {
        using var harness = new NetHarness("forward", ("tag_prefix", "in."));
        int port = NetHarness.PortOf(harness.Input<ForwardInput>().LocalEndPoint);
        var args = new List<string> { "-port", port.ToString(), "-n", count.ToString(), "-tag", "app", "-start", Start.ToString() };
        if (ack) args.Add("-ack");
        if (subsecond) args.Add("-subsecond");
        var (code, output) = NetHarness.Run(TestClients.PathOf("forward_sender"), [.. args]);
        Assert.True(code == 0, output + harness.LogText());
        harness.WaitForRecords(count);
        var events = harness.Events;
        Assert.Equal(count, events.Count);
        Assert.All(events, e => Assert.Equal("in.app", e.Tag));
        var seen = new HashSet<long>();
        foreach (var (_, e) in events)
        {
            var body = MessagePack.MessagePackSerializer.Deserialize<Dictionary<string, object>>(e.Body);
            long n = Convert.ToInt64(body["n"]);
            Assert.True(seen.Add(n), $"record {n} arrived twice");
            Assert.Equal("hello", body["msg"]);
            Assert.Equal((uint)(Start + n), e.Time.Seconds);
            Assert.Equal(subsecond ? 123456789u : 0u, e.Time.Nanoseconds);
        }
        Assert.Equal(count, seen.Count);
    }

    [Fact]
    public void UnixSocketWithAcks()
    {
        string path = Path.Combine(Path.GetTempPath(), $"coreagent-fwd-{Guid.NewGuid():N}.sock");
        using (var harness = new NetHarness("forward", ("unix_path", path)))
        {
            var (code, output) = NetHarness.Run(TestClients.PathOf("forward_sender"), "-unix", path, "-n", "300", "-ack", "-tag", "u");
            Assert.True(code == 0, output + harness.LogText());
            harness.WaitForRecords(300);
            Assert.Equal(300, harness.Events.Count(e => e.Tag == "u"));
        }
        Assert.False(File.Exists(path), "the socket file is removed on stop");
    }
}
