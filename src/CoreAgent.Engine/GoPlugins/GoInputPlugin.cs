using System.Diagnostics;
using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// One configured instance of a Go input plugin. Init calls FLBPluginInit with a native
/// struct flbgo_input_plugin; Run calls the collect callback on the input's own thread once per
/// collector interval (1 s, as Fluent Bit's proxy collector; interval_sec/interval_nsec change it),
/// appends the msgpack events the plugin returns, v2 or legacy shape, to the input's chunks in
/// the v2 shape, and hands the buffer back. A callback that blocks longer than the interval is
/// called again at once, missed ticks are not caught up. Exit runs when Run ends.
/// </summary>
public sealed unsafe class GoInputPlugin(GoPluginLibrary library) : IInputPlugin, IGoPluginInstance, IReportsPluginMetrics, IDisposable
{
    private readonly ReservedKeyNotice _reservedKeys = new();
    private readonly Dictionary<string, nint> _propertyCopies = new(StringComparer.OrdinalIgnoreCase);
    private FlbGoOutputPlugin* _native;
    private nint _id;
    private CmetricsContext? _metrics;
    private void* _remoteContext;
    private InputContext? _context;
    private TimeSpan _interval = TimeSpan.FromSeconds(1);
    private int _state; // 0 idle, 1 initialised, 2 exited
    private long _rejected;

    public GoPluginLibrary Library { get; } = library;

    /// <summary>Events the plugin returned that were not Fluent Bit events and were skipped.</summary>
    public long RejectedEvents => Interlocked.Read(ref _rejected);

    /// <summary>Collect callbacks made so far.</summary>
    public long Callbacks { get; private set; }

    public AgentLog Log => _context?.Log ?? AgentLog.Null;

    public void Init(InputContext context)
    {
        _context = context;
        long seconds = context.GetInteger("interval_sec", 1), nanoseconds = context.GetInteger("interval_nsec", 0);
        if (seconds < 0 || nanoseconds < 0) throw new PropertyException("interval_sec", "the collector interval must not be negative");
        _interval = TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
        if (_interval <= TimeSpan.Zero) _interval = TimeSpan.FromMilliseconds(1);

        _metrics = CmetricsContext.Create(Library.Handle);
        _id = GoPluginApi.Register(this);
        _native = NativeAllocations.AllocZeroed<FlbGoOutputPlugin>();
        _native->Name = NativeAllocations.Utf8(Library.Name);
        _native->Api = GoPluginApi.Table;
        _native->OutputInstance = (void*)_id; // i_ins
        _native->Context = NativeAllocations.AllocZeroed<FlbPluginProxyContext>();

        long result = Library.InitInput(_native);
        if (result <= 0)
        {
            FreeNative();
            throw new PluginException(GoInitFailure.Describe("Go input plugin", Library.Name, context.InstanceName, result));
        }
        // fluent-bit-go writes remote_context as the context's first field; Fluent Bit's own input
        // context keeps an int collector id there and remote_context second: accept either.
        _remoteContext = _native->Context->RemoteContext != null ? _native->Context->RemoteContext : _native->Context->Proxy;
        _state = 1;
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
                if (_context!.Emitter.IsPaused) continue;
                CollectOnce();
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>One collect callback and the append of what it returned; returns the events appended.</summary>
    internal int CollectOnce()
    {
        long result = Library.Input!.Collect(_remoteContext, out void* data, out nuint length);
        Callbacks++;
        if (data == null || length == 0) return 0;
        try
        {
            if (result == -1)
            {
                Log.Warn("go", $"{_context!.InstanceName}: FLBPluginInputCallback returned -1; its {length} bytes are discarded");
                return 0;
            }
            if (length > int.MaxValue)
            {
                Log.Error("go", $"{_context!.InstanceName}: the plugin returned {length} bytes in one callback, more than 2 GiB; discarded");
                return 0;
            }
            return Append(new ReadOnlySpan<byte>(data, (int)length).ToArray());
        }
        finally
        {
            Library.Input.Release(_remoteContext, data);
        }
    }

    private int Append(byte[] events)
    {
        try { return AppendBatch(events); }
        catch (Storage.StorageException) { return 0; } // logged by the input; the plugin's next collect goes on
    }

    private int AppendBatch(byte[] events)
    {
        int appended = 0;
        var source = new ReadOnlyMemory<byte>(events);
        var reader = new MessagePack.MessagePackReader(source);
        using var batch = _context!.Emitter.BeginBatch();
        while (!reader.End)
        {
            long start = reader.Consumed;
            try
            {
                var slice = EventReader.ReadOne(ref reader, source);
                batch.Write(slice.Time, slice.Metadata.Span, slice.Body.Span);
                appended++;
            }
            catch (FormatException ex)
            {
                Interlocked.Increment(ref _rejected);
                Log.Warn("go", $"{_context.InstanceName}: plugin '{Library.Name}' returned an event that is not a Fluent Bit event ({ex.Message}); the rest of the buffer is skipped");
                break; // the reader's position is unknown after a bad event
            }
        }
        return appended;
    }

    /// <summary>Calls FLBPluginInputPreExit and the exit callback once, if Init succeeded.</summary>
    public void Exit()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1) return;
        try
        {
            Library.Input!.PreExit();
            Library.ExitInstance(_remoteContext, Guid.NewGuid()); // Fluent Bit calls an input's exit per instance
        }
        finally
        {
            FreeNative();
        }
    }

    /// <summary>Exits an instance whose Run never started (the pipeline failed to start).</summary>
    public void Dispose() => Exit();

    byte* IGoPluginInstance.GetProperty(string key)
    {
        if (CommonProperties.IsReserved(key))
        {
            _reservedKeys.Asked(key, _context?.Properties.Get(key) is not null, Log, _context?.InstanceName, Library.Name);
            return null;
        }
        string? value = _context?.Properties.Get(key);
        if (value is null) return null;
        lock (_propertyCopies)
        {
            if (!_propertyCopies.TryGetValue(key, out var copy)) _propertyCopies[key] = copy = (nint)NativeAllocations.Utf8(value);
            return (byte*)copy;
        }
    }

    void* IGoPluginInstance.MetricsContext => _metrics is null ? null : _metrics.Pointer;

    /// <summary>The plugin's own cmetrics, read back through its exported Prometheus encoder.</summary>
    public IReadOnlyList<PluginMetric> ReadPluginMetrics()
    {
        var text = _metrics?.ReadPrometheusText();
        return text is null ? [] : PrometheusTextReader.Read(text);
    }

    private void FreeNative()
    {
        GoPluginApi.Unregister(_id);
        // Destroyed with the plugin's own cmt_destroy once it can no longer reach the context.
        _metrics?.Dispose();
        _metrics = null;
        lock (_propertyCopies)
        {
            foreach (var copy in _propertyCopies.Values) NativeAllocations.Free((void*)copy);
            _propertyCopies.Clear();
        }
        if (_native == null) return;
        NativeAllocations.Free(_native->Name);
        NativeAllocations.Free(_native->Context);
        NativeAllocations.Free(_native);
        _native = null;
    }
}
