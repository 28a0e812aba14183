using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>A running input: its plugin, its tag, its emitter and its buffer accounting.</summary>
public sealed class InputInstance
{
    private readonly Action<Chunk, Action<Chunk>> _route;
    private readonly AgentLog _log;
    private readonly MemoryBudget? _budget;
    private long _bufferedBytes;
    private CancellationToken _stopping;
    private bool _paused;
    private Thread? _thread;

    internal InputInstance(string name, PluginDescriptor plugin, IInputPlugin instance, string tag, long? memBufLimit,
        bool routable, AgentLog log, Action<Chunk, Action<Chunk>> route, MemoryBudget? budget = null)
    {
        _budget = budget;
        Name = name;
        Plugin = plugin;
        Instance = instance;
        Tag = tag;
        MemBufLimit = memBufLimit;
        Routable = routable;
        _log = log;
        _route = route;
        Emitter = new RecordEmitter(this);
    }

    public string Name { get; }
    public PluginDescriptor Plugin { get; }
    public string Tag { get; }
    public long? MemBufLimit { get; }

    /// <summary>The bound that pauses this input: its Mem_Buf_Limit, else the pipeline's default (null: none).</summary>
    public long? MemoryLimit => MemBufLimit ?? _budget?.InputDefault;

    /// <summary>True once the pipeline told the input to stop; writers stop waiting for room then.</summary>
    internal bool Stopping => _stopping.IsCancellationRequested;
    public bool Routable { get; }
    public InputMetrics Metrics { get; } = new();
    public RecordEmitter Emitter { get; }
    internal IInputPlugin Instance { get; }

    /// <summary>The plugin's own metrics (a Go plugin's cmetrics), read now; empty for plugins without any.</summary>
    public IReadOnlyList<GoPlugins.Cmetrics.PluginMetric> ReadPluginMetrics() =>
        (Instance as IReportsPluginMetrics)?.ReadPluginMetrics() ?? [];

    /// <summary>Bytes in chunks that are sealed but not yet delivered to every output.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    internal void CountIngested(long records, long bytes)
    {
        Interlocked.Add(ref Metrics.RecordsValue, records);
        Interlocked.Add(ref Metrics.BytesValue, bytes);
    }

    internal void Dispatch(Chunk chunk)
    {
        if (!Routable)
        {
            chunk.SetReferences(0, null);
            return;
        }
        int length = chunk.Length;
        Interlocked.Add(ref _bufferedBytes, length);
        _budget?.Add(length);
        _route(chunk, _ =>
        {
            Interlocked.Add(ref _bufferedBytes, -length);
            _budget?.Add(-length);
        });
    }

    internal bool CheckPaused()
    {
        long? limit = MemoryLimit;
        bool overOwn = limit is { } own && BufferedBytes >= own;
        bool overTotal = _budget?.OverTotal ?? false;
        bool over = overOwn || overTotal;
        if (over != _paused)
        {
            _paused = over;
            string which = overOwn
                ? $"mem buf overlimit {BufferedBytes}/{limit} bytes{(MemBufLimit is null ? ", the default bound" : "")}"
                : $"pipeline mem buf total overlimit {_budget!.Buffered}/{_budget.Total} bytes";
            if (over) _log.Write(LogLevel.Warn, "input", $"{Name} paused ({which})", LogEvents.InputPaused, new LogEventData(Name, Tag));
            else _log.Write(LogLevel.Info, "input", $"{Name} resume (mem buf {BufferedBytes}/{limit?.ToString() ?? "unlimited"} bytes)", LogEvents.InputResumed, new LogEventData(Name, Tag));
        }
        return over;
    }

    internal void StartThread(CancellationToken cancellation)
    {
        _stopping = cancellation;
        _thread = new Thread(() =>
        {
            try { Instance.Run(cancellation); }
            catch (OperationCanceledException) { }
            catch (Exception ex) { _log.Error("input", $"{Name} stopped after an error: {ex.Message}"); }
        })
        { IsBackground = true, Name = $"CoreAgent input {Name}" };
        _thread.Start();
    }

    internal bool Join(TimeSpan timeout) => _thread?.Join(timeout) ?? true;
}
