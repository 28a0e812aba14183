using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>The plugin's events from one collect callback, valid only during the call.</summary>
public delegate void GoInputEvents(ReadOnlySpan<byte> events);

/// <summary>
/// The native side of one Go input instance, loaded in this process: FLBPluginInit with a native
/// struct flbgo_input_plugin, the collect callback and the hand-back of its buffer, exit, and the
/// answers to FLBPluginConfigKey. Used in-process (isolation none) and by the plugin host.
/// </summary>
public sealed unsafe class GoInputInstance(GoPluginLibrary library) : IGoPluginInstance
{
    private readonly ReservedKeyNotice _reservedKeys = new();
    private readonly RequestedKeys _requestedKeys = new();
    private readonly Dictionary<string, nint> _propertyCopies = new(StringComparer.OrdinalIgnoreCase);
    private FlbGoOutputPlugin* _native;
    private nint _id;
    private CmetricsContext? _metrics;
    private void* _remoteContext;
    private string _name = "";
    private PluginProperties _properties = new();
    private AgentLog _log = AgentLog.Null;
    private int _state; // 0 idle, 1 initialised, 2 exited

    public GoPluginLibrary Library { get; } = library;

    public AgentLog Log => _log;

    /// <summary>The keys the plugin asked for through FLBPluginConfigKey, in first-asked order.</summary>
    public IReadOnlyCollection<string> RequestedKeys => _requestedKeys.Snapshot();

    public void Init(string instanceName, PluginProperties properties, AgentLog log)
    {
        _name = instanceName;
        _properties = properties;
        _log = log;
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
            throw new PluginException(GoInitFailure.Describe("Go input plugin", Library.Name, instanceName, result));
        }
        // fluent-bit-go writes remote_context as the context's first field; Fluent Bit's own input
        // context keeps an int collector id there and remote_context second: accept either.
        _remoteContext = _native->Context->RemoteContext != null ? _native->Context->RemoteContext : _native->Context->Proxy;
        _state = 1;
    }

    /// <summary>One collect callback: hands what it returned to <paramref name="events"/>, then the buffer back to the plugin. Returns the callback's result.</summary>
    public long Collect(GoInputEvents events)
    {
        long result = Library.Input!.Collect(_remoteContext, out void* data, out nuint length);
        if (data == null || length == 0) return result;
        try
        {
            if (result == -1)
                Log.Warn("go", $"{_name}: FLBPluginInputCallback returned -1; its {length} bytes are discarded");
            else if (length > int.MaxValue)
                Log.Error("go", $"{_name}: the plugin returned {length} bytes in one callback, more than 2 GiB; discarded");
            else
                events(new ReadOnlySpan<byte>(data, (int)length));
            return result;
        }
        finally
        {
            Library.Input.Release(_remoteContext, data);
        }
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

    byte* IGoPluginInstance.GetProperty(string key)
    {
        _requestedKeys.Add(key);
        if (CommonProperties.IsReserved(key))
        {
            _reservedKeys.Asked(key, _properties.Get(key) is not null, Log, _name, Library.Name);
            return null;
        }
        string? value = _properties.Get(key);
        if (value is null) return null;
        lock (_propertyCopies)
        {
            if (!_propertyCopies.TryGetValue(key, out var copy)) _propertyCopies[key] = copy = (nint)NativeAllocations.Utf8(value);
            return (byte*)copy;
        }
    }

    void* IGoPluginInstance.MetricsContext => _metrics is null ? null : _metrics.Pointer;

    /// <summary>The plugin's own cmetrics as Prometheus text, through its exported encoder; null when it has none.</summary>
    public string? ReadPrometheusText() => _metrics?.ReadPrometheusText();

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
