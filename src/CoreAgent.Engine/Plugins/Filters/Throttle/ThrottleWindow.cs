namespace CoreAgent.Engine.Plugins.Filters.Throttle;

/// <summary>
/// filter_throttle's sliding window (window.c): <see cref="Size"/> panes in a ring, each counting the
/// records kept during one interval. A tick opens a new pane, overwriting the oldest; a record is
/// kept while the average per pane (total over Size, the empty panes included) is under the rate.
/// </summary>
public sealed class ThrottleWindow
{
    private readonly long[] _counters;
    private int _current = -1;

    public ThrottleWindow(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _counters = new long[size];
    }

    public int Size => _counters.Length;

    /// <summary>Records kept in the panes of the window.</summary>
    public long Total { get; private set; }

    /// <summary>Starts a new pane at count 0; the oldest pane's count leaves the total.</summary>
    public void Tick()
    {
        _current = (_current + 1) % _counters.Length;
        Total -= _counters[_current];
        _counters[_current] = 0;
    }

    /// <summary>Counts the record in the current pane and returns true, or returns false (drop) when the rate is reached.</summary>
    public bool TryKeep(double rate)
    {
        if (_current < 0) Tick();
        if (Total / (double)_counters.Length >= rate) return false;
        _counters[_current]++;
        Total++;
        return true;
    }
}
