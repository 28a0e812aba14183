using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Inputs;

/// <summary>dummy stamps every copy of a tick on its own, as Fluent Bit's in_dummy does.</summary>
public class DummyInputTests
{
    private static List<EventTime> Times(params (string, string)[] properties)
    {
        var catalog = PluginCatalog.CreateDefault();
        var capture = new CaptureOutput();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var (pipeline, _) = Build(Definition([Spec("dummy", [("samples", "1"), ("copies", "20000"), ("flush_on_startup", "true"), .. properties])],
            [Spec("capture", ("match", "*"))], ("flush", "0.1")), catalog);
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 20000, "20000 records");
        pipeline.Stop();
        return capture.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes)).Select(e => e.Time).ToList();
    }

    private static double Seconds(EventTime t) => t.Seconds + t.Nanoseconds / 1e9;

    [Fact]
    public void Copies_of_one_tick_get_their_own_increasing_timestamps()
    {
        var times = Times();
        Assert.Equal(20000, times.Count);
        for (int i = 1; i < times.Count; i++) Assert.True(Seconds(times[i]) >= Seconds(times[i - 1]), $"record {i} is older than record {i - 1}");
        Assert.True(times.Distinct().Count() > 1, "20000 copies all carry one timestamp");
    }

    [Fact]
    public void A_start_time_advances_with_the_clock_per_copy()
    {
        var times = Times(("start_time_sec", "1700000000"), ("start_time_nsec", "0"));
        Assert.All(times, t => Assert.InRange(t.Seconds, 1700000000u, 1700000100u));
        for (int i = 1; i < times.Count; i++) Assert.True(Seconds(times[i]) >= Seconds(times[i - 1]));
        Assert.True(times.Distinct().Count() > 1);
    }

    [Fact]
    public void Fixed_timestamp_keeps_one_time_for_every_record()
    {
        var times = Times(("fixed_timestamp", "true"), ("start_time_sec", "1700000000"), ("start_time_nsec", "5"));
        Assert.All(times, t => Assert.Equal(new EventTime(1700000000, 5), t));
    }
}
