using System.Diagnostics;
using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// One configured instance of a Go input plugin. Its <c>isolation</c> setting decides where the
/// plugin runs: in a supervised plugin host (process, the default) or loaded into this process
/// (none, <see cref="GoInputInstance"/>). Either way Run calls the collect callback on the input's
/// own thread once per collector interval (1 s, as Fluent Bit's proxy collector; interval_sec/
/// interval_nsec change it) and appends the msgpack events the plugin returns, v2 or legacy shape,
/// to the input's chunks in the v2 shape. A callback that blocks longer than the interval is
/// called again at once, missed ticks are not caught up. Exit runs when Run ends.
/// </summary>
public sealed class GoInputPlugin(string path, string pluginName) : IInputPlugin, IReportsPluginMetrics, IDisposable
{
    private GoInputInstance? _inProcess;
    private IsolatedGoInput? _isolated;
    private InputContext? _context;
    private TimeSpan _interval = TimeSpan.FromSeconds(1);
    private long _rejected;
    private bool _gaveUp;

    public string Path { get; } = path;
    public string PluginName { get; } = pluginName;

    /// <summary>Where the instance runs (set at Init).</summary>
    public GoIsolation Isolation { get; private set; }

    /// <summary>The plugin host's process id while one runs (isolated instances).</summary>
    public int? HostProcessId => _isolated?.Supervisor?.ProcessId;

    /// <summary>Events the plugin returned that were not Fluent Bit events and were skipped.</summary>
    public long RejectedEvents => Interlocked.Read(ref _rejected);

    /// <summary>The keys the plugin asked for through FLBPluginConfigKey (an isolated instance reports them at init and again at exit).</summary>
    public IReadOnlyCollection<string> RequestedKeys => _inProcess?.RequestedKeys ?? _isolated?.RequestedKeys ?? [];

    /// <summary>Collect callbacks that returned (in-process or from the host).</summary>
    public long Callbacks { get; private set; }

    private AgentLog Log => _context?.Log ?? AgentLog.Null;

    public void Init(InputContext context)
    {
        _context = context;
        long seconds = context.GetInteger("interval_sec", 1), nanoseconds = context.GetInteger("interval_nsec", 0);
        if (seconds < 0 || nanoseconds < 0) throw new PropertyException("interval_sec", "the collector interval must not be negative");
        _interval = TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
        if (_interval <= TimeSpan.Zero) _interval = TimeSpan.FromMilliseconds(1);

        Isolation = GoOutputProperties.ParseIsolation(context.InstanceName, context.Properties.Get(GoOutputProperties.Isolation));
        if (Isolation == GoIsolation.None)
        {
            var instance = new GoInputInstance(GoPluginLibrary.Load(Path, context.Log));
            instance.Init(context.InstanceName, context.Properties, context.Log);
            _inProcess = instance;
            return;
        }
        var isolated = new IsolatedGoInput(Path, PluginName, context, context.PipelineId == Guid.Empty ? Guid.NewGuid() : context.PipelineId);
        isolated.Init();
        _isolated = isolated;
    }

    public void Run(CancellationToken cancellation)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            long tick = 1;
            while (!cancellation.IsCancellationRequested)
            {
                var wait = _interval * tick - clock.Elapsed;
                if (wait > TimeSpan.Zero && cancellation.WaitHandle.WaitOne(wait)) break;
                tick = Math.Max(tick + 1, (long)(clock.Elapsed / _interval) + 1); // skip ticks missed while the plugin blocked
                if (_context!.Emitter.IsPaused || _gaveUp) continue;
                CollectOnce(cancellation);
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>One collect callback and the append of what it returned; returns the events appended.</summary>
    internal int CollectOnce(CancellationToken cancellation = default)
    {
        if (_inProcess is not null)
        {
            int appended = 0;
            _inProcess.Collect(events => appended = Append(events.ToArray()));
            Callbacks++;
            return appended;
        }
        var collect = _isolated!.Collect(cancellation);
        switch (collect.State)
        {
            case CollectState.Ok:
                Callbacks++;
                return collect.Events.IsEmpty ? 0 : Append(collect.Events);
            case CollectState.GivenUp:
                _gaveUp = true; // logged by the supervisor (PluginGaveUp); the rest of the pipeline goes on
                return 0;
            default:
                return 0; // the host died (logged, restarting) or the pipeline is stopping
        }
    }

    private int Append(ReadOnlyMemory<byte> events)
    {
        try { return AppendBatch(events); }
        catch (Storage.StorageException) { return 0; } // logged by the input; the plugin's next collect goes on
    }

    private int AppendBatch(ReadOnlyMemory<byte> source)
    {
        int appended = 0;
        var reader = new MessagePack.MessagePackReader(source);
        using var batch = _context!.Emitter.BeginBatch();
        while (!reader.End)
        {
            try
            {
                var slice = EventReader.ReadOne(ref reader, source);
                batch.Write(slice.Time, slice.Metadata.Span, slice.Body.Span);
                appended++;
            }
            catch (FormatException ex)
            {
                Interlocked.Increment(ref _rejected);
                Log.Warn("go", $"{_context.InstanceName}: plugin '{PluginName}' returned an event that is not a Fluent Bit event ({ex.Message}); the rest of the buffer is skipped");
                break; // the reader's position is unknown after a bad event
            }
        }
        return appended;
    }

    /// <summary>Calls FLBPluginInputPreExit and the exit callback once, if Init succeeded.</summary>
    public void Exit()
    {
        _inProcess?.Exit();
        _isolated?.Exit();
    }

    /// <summary>Exits an instance whose Run never started (the pipeline failed to start).</summary>
    public void Dispose() => Exit();

    /// <summary>The plugin's own cmetrics, read back through its exported Prometheus encoder (in the host when isolated).</summary>
    public IReadOnlyList<PluginMetric> ReadPluginMetrics()
    {
        if (_isolated?.Supervisor is { } supervisor) return supervisor.ReadPluginMetrics(_isolated);
        var text = _inProcess?.ReadPrometheusText();
        return text is null ? [] : PrometheusTextReader.Read(text);
    }
}
