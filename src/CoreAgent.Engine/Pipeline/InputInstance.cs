using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>A running input: its plugin, its tag, its emitter and its buffer accounting.</summary>
public sealed class InputInstance
{
    private readonly Action<Chunk, Action<Chunk>> _route;
    private readonly AgentLog _log;
    private long _bufferedBytes;
    private bool _paused;
    private Thread? _thread;

    internal InputInstance(string name, PluginDescriptor plugin, IInputPlugin instance, string tag, long? memBufLimit,
        bool routable, AgentLog log, Action<Chunk, Action<Chunk>> route)
    {
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
    public bool Routable { get; }
    public InputMetrics Metrics { get; } = new();
    public RecordEmitter Emitter { get; }
    internal IInputPlugin Instance { get; }

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
        Interlocked.Add(ref _bufferedBytes, chunk.Length);
        int length = chunk.Length;
        _route(chunk, _ => Interlocked.Add(ref _bufferedBytes, -length));
    }

    internal bool CheckPaused()
    {
        if (MemBufLimit is not { } limit) return false;
        bool over = BufferedBytes >= limit;
        if (over != _paused)
        {
            _paused = over;
            if (over) _log.Write(LogLevel.Warn, "input", $"{Name} paused (mem buf overlimit {BufferedBytes}/{limit} bytes)", LogEvents.InputPaused, new LogEventData(Name, Tag));
            else _log.Write(LogLevel.Info, "input", $"{Name} resume (mem buf {BufferedBytes}/{limit} bytes)", LogEvents.InputResumed, new LogEventData(Name, Tag));
        }
        return over;
    }

    internal void StartThread(CancellationToken cancellation)
    {
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
