using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// Wakes the tail loop when something changes in a watched directory: .NET's FileSystemWatcher,
/// which is inotify on Linux. It only shortens the wait; the loop stats every file every 250 ms
/// whatever it hears, so a missed or overflowed event costs latency, never lines. When inotify
/// is off or fails (no watches left), the loop simply polls.
/// </summary>
public sealed class TailWatcher : IDisposable
{
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly AutoResetEvent _changed = new(false);
    private readonly AgentLog _log;
    private readonly string _owner;
    private bool _enabled;

    public TailWatcher(bool enabled, AgentLog log, string owner)
    {
        _enabled = enabled;
        _log = log;
        _owner = owner;
    }

    /// <summary>True while events are coming from inotify (false: polling).</summary>
    public bool IsEventDriven => _enabled;

    public void Watch(string? directory)
    {
        if (!_enabled || string.IsNullOrEmpty(directory) || _watchers.ContainsKey(directory)) return;
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.Attributes,
                IncludeSubdirectories = false,
            };
            watcher.Changed += (_, _) => _changed.Set();
            watcher.Created += (_, _) => _changed.Set();
            watcher.Deleted += (_, _) => _changed.Set();
            watcher.Renamed += (_, _) => _changed.Set();
            watcher.Error += (_, e) =>
            {
                _log.Debug(_owner, $"inotify on {directory}: {e.GetException().Message}; the 250 ms stat check goes on");
                _changed.Set();
            };
            watcher.EnableRaisingEvents = true;
            _watchers[directory] = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            _log.Warn(_owner, $"cannot watch {directory} with inotify ({ex.Message}); polling with stat instead");
            _enabled = false;
        }
    }

    /// <summary>Waits until a change is heard or <paramref name="timeout"/> passes.</summary>
    public void Wait(TimeSpan timeout, CancellationToken cancellation)
    {
        if (timeout <= TimeSpan.Zero) return;
        WaitHandle.WaitAny([_changed, cancellation.WaitHandle], timeout);
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers.Values) watcher.Dispose();
        _watchers.Clear();
        _changed.Dispose();
    }
}
