using System.Buffers;
using System.Globalization;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.Throttle;

/// <summary>
/// Fluent Bit's throttle filter: keeps at most Rate records per Interval on average over a sliding
/// window of Window intervals, and drops the rest (filter_throttle's algorithm, see
/// <see cref="ThrottleWindow"/>). Fluent Bit advances the window from a ticker thread; here the
/// window advances by the intervals elapsed on <see cref="TimeProvider"/> whenever a chunk arrives,
/// which gives the same decisions and lets tests drive time. With Print_Status a timer logs the
/// status line every interval, as the ticker does.
/// </summary>
public sealed class ThrottleFilter(TimeProvider? clock = null) : IFilterPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "throttle",
        Description = "Throttle messages using sliding window algorithm",
        Type = PluginType.Filter,
        CreateFilter = () => new ThrottleFilter(),
        Properties =
        [
            new("rate", PropertyType.String, "1", "Records kept per interval on average over the window (a value of 1 or less reads as 1, as in Fluent Bit)."),
            new("window", PropertyType.String, "5", "Intervals in the sliding window (a value of 1 or less reads as 5, as in Fluent Bit)."),
            new("interval", PropertyType.String, "1", "Length of one interval: seconds, or a number with s, m, h or d."),
            new("print_status", PropertyType.Boolean, "false", "Log the limit and the current rate every interval."),
        ],
    };

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ArrayBufferWriter<byte> _kept = new();
    private readonly object _gate = new(); // the status timer reads the window from another thread
    private ThrottleWindow _window = new(5);
    private double _rate = 1;
    private string _intervalText = "1";
    private long _intervalTicks = TimeSpan.TicksPerSecond;
    private long _nextTick;
    private ITimer? _status;
    private AgentLog _log = AgentLog.Null;
    private string _name = "throttle";

    public void Init(FilterContext context)
    {
        var p = context.Properties;
        _log = context.Log;
        _name = context.InstanceName;
        // throttle.c: strtod/strtoul, and anything not above 1 falls back to the default.
        string? rate = p.Get("rate");
        _rate = rate is not null && LeadingNumber(rate, out double r) && r > 1 ? r : 1;
        if (rate is not null && _rate == 1 && !(LeadingNumber(rate, out r) && r == 1))
            _log.Warn("filter", $"{_name}: Rate '{rate}' is not a number above 1; Fluent Bit reads it as 1");
        string? window = p.Get("window");
        int size = window is not null && LeadingNumber(window, out double w) && w > 1 ? (int)Math.Min(w, 1_000_000) : 5;
        if (window is not null && size == 5 && !(LeadingNumber(window, out w) && (int)w == 5))
            _log.Warn("filter", $"{_name}: Window '{window}' is not a whole number above 1; Fluent Bit reads it as 5");
        _window = new ThrottleWindow(size);
        _intervalText = p.Get("interval") ?? "1";
        long seconds = ParseInterval(_intervalText);
        if (seconds < 1)
        {
            _log.Warn("filter", $"{_name}: invalid time interval {_intervalText} falling back to default: 1 second");
            seconds = 1;
        }
        _intervalTicks = seconds * TimeSpan.TicksPerSecond;
        _nextTick = _clock.GetUtcNow().UtcTicks + _intervalTicks;
        _window.Tick(); // the ticker's first pane, at start
        if (context.GetBool("print_status", false))
            _status = _clock.CreateTimer(_ => ReportStatus(), null, TimeSpan.FromTicks(_intervalTicks), TimeSpan.FromTicks(_intervalTicks));
    }

    /// <summary>A number and an optional s/m/h/d suffix, truncated to whole seconds as parse_duration's int result is; 0 when invalid.</summary>
    internal static long ParseInterval(string text)
    {
        var t = text.Trim();
        if (t.Length == 0) return 0;
        double multiplier = char.ToLowerInvariant(t[^1]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        if (multiplier != 0) t = t[..^1];
        else multiplier = 1;
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0) return 0;
        return (long)Math.Min(value * multiplier, int.MaxValue);
    }

    private static bool LeadingNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Opens one pane per interval elapsed since the last; more than a window's worth only empties it.</summary>
    private void Advance()
    {
        long now = _clock.GetUtcNow().UtcTicks;
        if (now < _nextTick) return;
        long elapsed = (now - _nextTick) / _intervalTicks + 1;
        for (long i = 0; i < Math.Min(elapsed, _window.Size); i++) _window.Tick();
        _nextTick += elapsed * _intervalTicks;
    }

    internal void ReportStatus()
    {
        long total;
        lock (_gate)
        {
            Advance();
            total = _window.Total;
        }
        _log.Info("filter", string.Create(CultureInfo.InvariantCulture,
            $"{_name}: {_clock.GetUtcNow().ToUnixTimeSeconds()}: limit is {_rate:0.00} per {_intervalText} with window size of {_window.Size}, current rate is: {total / _window.Size} per interval"));
    }

    public FilterResult Filter(Chunk chunk)
    {
        var events = chunk.Memory;
        var reader = new MessagePackReader(events);
        int kept = 0, records = 0, runStart = 0;
        _kept.ResetWrittenCount();
        lock (_gate)
        {
            Advance();
            while (!reader.End)
            {
                int start = (int)reader.Consumed;
                reader.Skip();
                records++;
                if (_window.TryKeep(_rate)) { kept++; continue; }
                // Kept events before this one are copied as one run.
                _kept.Write(events.Span[runStart..start]);
                runStart = (int)reader.Consumed;
            }
        }
        if (kept == records) return FilterResult.Unchanged;
        if (kept == 0) return FilterResult.DropAll;
        _kept.Write(events.Span[runStart..]);
        return FilterResult.Replace(_kept.WrittenMemory, kept);
    }

    public void Exit()
    {
        _status?.Dispose();
        _status = null;
    }
}
