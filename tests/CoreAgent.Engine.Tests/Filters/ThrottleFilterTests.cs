using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Filters.Throttle;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Filters;

public class ThrottleFilterTests
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (ThrottleFilter Filter, ManualClock Clock, List<LogEntry> Log) Create(params (string, string)[] properties)
    {
        var clock = new ManualClock();
        var filter = new ThrottleFilter(clock);
        var props = new PluginProperties();
        props.Set("match", "*");
        foreach (var (k, v) in properties) props.Add(k, v);
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += entries.Add;
        filter.Init(new FilterContext("throttle.0", props, log, Guid.Empty));
        return (filter, clock, entries);
    }

    private static int[] Kept(IFilterPlugin filter, int from, int count)
    {
        var bodies = Enumerable.Range(from, count).Select(i => $$"""{"n":{{i}}}""").ToArray();
        var result = filter.Filter(FilterEvents.ChunkOf("t", bodies));
        var output = result.IsModified ? FilterEvents.Bodies(result.Events) : bodies;
        return [.. output.Select(o => System.Text.Json.JsonDocument.Parse(o).RootElement.GetProperty("n").GetInt32())];
    }

    [Fact]
    public void The_window_keeps_rate_times_window_records_then_drops_until_panes_slide_out()
    {
        var (filter, clock, _) = Create(("rate", "2"), ("window", "3"));
        // Average over 3 panes under 2: 6 records in the first interval, as Fluent Bit keeps.
        Assert.Equal([0, 1, 2, 3, 4, 5], Kept(filter, 0, 10));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Empty(Kept(filter, 10, 5)); // the 6 are still in the window
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Empty(Kept(filter, 20, 5));
        clock.Now += TimeSpan.FromSeconds(1); // the first pane slides out: room for 6 again
        Assert.Equal([30, 31, 32, 33, 34, 35], Kept(filter, 30, 8));
    }

    [Fact]
    public void Records_spread_over_the_window_count_in_their_own_panes()
    {
        var (filter, clock, _) = Create(("rate", "2"), ("window", "2"), ("interval", "2s"));
        Assert.Equal([0, 1], Kept(filter, 0, 2));
        clock.Now += TimeSpan.FromSeconds(1.9); // still the same interval
        Assert.Equal([2, 3], Kept(filter, 2, 3));
        clock.Now += TimeSpan.FromSeconds(0.1); // second pane; the first holds 4 of the 4 allowed
        Assert.Empty(Kept(filter, 5, 1));
        clock.Now += TimeSpan.FromSeconds(2); // the first pane is gone
        Assert.Equal([6, 7, 8, 9], Kept(filter, 6, 6));
        clock.Now += TimeSpan.FromMinutes(5); // long idle: the whole window is empty
        Assert.Equal([20, 21, 22, 23], Kept(filter, 20, 6));
    }

    [Fact]
    public void A_chunk_kept_whole_is_unchanged()
    {
        var (filter, _, _) = Create(("rate", "10"));
        Assert.False(filter.Filter(FilterEvents.ChunkOf("t", ["""{"a":1}"""])).IsModified);
    }

    [Fact]
    public void Fluent_bit_defaults_replace_rates_and_windows_not_above_one_with_a_warning()
    {
        var (filter, _, log) = Create(("rate", "0.5"), ("window", "1"), ("interval", "0.2s"));
        Assert.Equal(5, Kept(filter, 0, 9).Length); // rate 1 over 5 panes
        Assert.Contains(log, e => e.Level == LogLevel.Warn && e.Message.Contains("Rate '0.5'"));
        Assert.Contains(log, e => e.Level == LogLevel.Warn && e.Message.Contains("Window '1'"));
        Assert.Contains(log, e => e.Level == LogLevel.Warn && e.Message.Contains("invalid time interval 0.2s"));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("3s", 3)]
    [InlineData("2m", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("5x", 0)]
    [InlineData("-1", 0)]
    public void Interval_takes_fluent_bit_suffixes(string text, long seconds) =>
        Assert.Equal(seconds, ThrottleFilter.ParseInterval(text));

    [Fact]
    public void Print_status_logs_the_limit_and_the_current_rate()
    {
        var (filter, clock, log) = Create(("rate", "3"), ("window", "2"));
        Kept(filter, 0, 5);
        filter.ReportStatus();
        Assert.Contains(log, e => e.Level == LogLevel.Info && e.Message.EndsWith(
            $"throttle.0: {clock.Now.ToUnixTimeSeconds()}: limit is 3.00 per 1 with window size of 2, current rate is: 2 per interval"));
        filter.Exit();
    }
}
