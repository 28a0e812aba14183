using System.Buffers;
using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.GoPlugins.EventShapes;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// One configured instance of a Go output plugin. Owns the native flbgo_output_plugin structure,
/// answers the plugin's configuration lookups, and passes chunk bytes to Flush without copying.
/// </summary>
public sealed unsafe class GoOutputPlugin(GoPluginLibrary library) : IOutputPlugin, IGoPluginInstance, IReportsPluginMetrics
{
    private readonly ReservedKeyNotice _reservedKeys = new();
    private readonly Dictionary<string, nint> _propertyCopies = new(StringComparer.OrdinalIgnoreCase);
    private readonly RequestedKeys _requestedKeys = new();
    private FlbGoOutputPlugin* _native;
    private nint _id;
    private CmetricsContext? _metrics;
    private void* _remoteContext;
    private OutputContext? _context;
    private int _flushesInFlight;
    private bool _initialized;

    /// <summary>The name of the per-output property that overrides the detected shape: auto, v2 or legacy.</summary>
    public const string EventShapeProperty = "event_shape";

    /// <summary>The shape this instance hands to Flush (set at Init).</summary>
    public EventShape Shape { get; private set; }

    public GoPluginLibrary Library { get; } = library;

    internal AgentLog Log => _context?.Log ?? AgentLog.Null;

    /// <summary>The keys the plugin asked for through FLBPluginConfigKey, in first-asked order.</summary>
    public IReadOnlyCollection<string> RequestedKeys => _requestedKeys.Snapshot();

    public void Init(OutputContext context)
    {
        _context = context;
        Shape = ChooseShape(context);
        _metrics = CmetricsContext.Create(Library.Handle);
        _id = GoPluginApi.Register(this);
        _native = NativeAllocations.AllocZeroed<FlbGoOutputPlugin>();
        _native->Name = NativeAllocations.Utf8(Library.Name);
        _native->Api = GoPluginApi.Table;
        _native->OutputInstance = (void*)_id;
        _native->Context = NativeAllocations.AllocZeroed<FlbPluginProxyContext>();

        long result = Library.Init(_native);
        if (result <= 0)
        {
            FreeNative();
            throw new PluginException(GoInitFailure.Describe("Go plugin", Library.Name, context.InstanceName, result));
        }
        _remoteContext = _native->Context->RemoteContext;
        _initialized = true;
    }

    public FlushResult Flush(Chunk chunk)
    {
        Interlocked.Increment(ref _flushesInFlight);
        try
        {
            long result;
            if (Shape == EventShape.Legacy)
            {
                int length = LegacyShapeConverter.Convert(chunk.Memory, out var legacy);
                try
                {
                    fixed (byte* data = legacy)
                    fixed (byte* tag = chunk.TagUtf8)
                    {
                        result = Library.Flush(_remoteContext, data, length, tag);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(legacy);
                }
            }
            else
            {
                fixed (byte* data = chunk.Buffer)
                fixed (byte* tag = chunk.TagUtf8)
                {
                    result = Library.Flush(_remoteContext, data, chunk.Length, tag);
                }
            }
            return result switch { 1 => FlushResult.Ok, 2 => FlushResult.Retry, _ => FlushResult.Error };
        }
        finally
        {
            Interlocked.Decrement(ref _flushesInFlight);
        }
    }

    private EventShape ChooseShape(OutputContext context)
    {
        string? setting = context.Properties.Get(EventShapeProperty)?.Trim();
        EventShape shape = setting?.ToLowerInvariant() switch
        {
            null or "" or "auto" => Library.Sdk.Shape,
            "v2" => EventShape.V2,
            "legacy" => EventShape.Legacy,
            _ => throw new PluginException($"{context.InstanceName}: {EventShapeProperty} '{setting}' is not one of auto, v2, legacy"),
        };
        context.Log.Debug("go", $"{context.InstanceName}: plugin '{Library.Name}' gets the {shape} event shape "
            + (setting is null or "" or "auto" ? $"({Library.Sdk.Sdk} {Library.Sdk.Revision}; {Library.Sdk.Evidence})" : $"({EventShapeProperty} {setting})"));
        return shape;
    }

    /// <summary>Calls FLBPluginOutputPreExit (once per library per stop; the pipeline decides).</summary>
    internal void PreExit() => Library.PreExit();

    public void Exit()
    {
        if (!_initialized) return; // never call ExitCtx for an instance that did not initialise
        _initialized = false;
        try
        {
            Library.ExitInstance(_remoteContext, _context!.PipelineId);
        }
        finally
        {
            if (Volatile.Read(ref _flushesInFlight) == 0) FreeNative();
            else Log.Warn("go", $"{_context!.InstanceName}: a flush is still running after exit; its native settings are kept alive");
        }
    }

    /// <summary>Answers FLBPluginConfigKey. Returns a native copy that lives until the instance exits, or null for "".</summary>
    internal byte* GetProperty(string key)
    {
        _requestedKeys.Add(key);
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

    byte* IGoPluginInstance.GetProperty(string key) => GetProperty(key);
    AgentLog IGoPluginInstance.Log => Log;

    void* IGoPluginInstance.MetricsContext => _metrics is null ? null : _metrics.Pointer;

    /// <summary>The plugin's own cmetrics as Prometheus text (the plugin host sends it as it is); null when it has none.</summary>
    internal string? ReadPrometheusText() => _metrics?.ReadPrometheusText();

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
