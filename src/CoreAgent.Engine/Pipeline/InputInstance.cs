using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;

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
    private bool _storageFailing;
    private Thread? _thread;

    internal InputInstance(string name, PluginDescriptor plugin, IInputPlugin instance, string tag, long? memBufLimit,
        bool routable, AgentLog log, Action<Chunk, Action<Chunk>> route, MemoryBudget? budget = null, ChunkStore? store = null)
    {
        _budget = budget;
        Store = store;
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

    /// <summary>The pipeline's storage when this input is storage.type filesystem; null for memory.</summary>
    public ChunkStore? Store { get; }

    public bool IsFilesystem => Store is not null;

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

    /// <summary>
    /// Appends what the chunk holds beyond its last persisted point to its file (creating it first),
    /// then counts those records as accepted. On a failed write the records are taken out of the
    /// chunk again and a <see cref="StorageException"/> says so: a record is accepted only once it
    /// is in a file. Called with the writer's lock held.
    /// </summary>
    internal void Persist(Chunk chunk)
    {
        if (Store is null || chunk.Length == chunk.PersistedLength) return;
        int records = chunk.RecordCount - chunk.PersistedCount;
        int bytes = chunk.Length - chunk.PersistedLength;
        try
        {
            if (chunk.File is null)
            {
                var file = Store.CreateFile(Name, chunk.Tag);
                Store.ChunkUp();
                chunk.AttachFile(file, Store.ChunkDown);
            }
            chunk.File!.AppendRecords(chunk.Memory[chunk.PersistedLength..], records);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            chunk.RollBack();
            if (!_storageFailing) _log.Error("storage", $"input {Name}: cannot write chunk file under {Store.Root}: {ex.Message}; records are refused until writes succeed again");
            _storageFailing = true;
            throw new StorageException($"input {Name}: {records} record(s) not accepted: the chunk file could not be written: {ex.Message}", ex);
        }
        if (_storageFailing) _log.Info("storage", $"input {Name}: chunk files are written again");
        _storageFailing = false;
        chunk.MarkPersisted();
        CountIngested(records, bytes);
    }

    internal void Dispatch(Chunk chunk)
    {
        if (Store is not null)
        {
            try { Persist(chunk); }
            catch (StorageException) { /* logged; what was persisted goes on */ }
            if (chunk.RecordCount == 0)
            {
                chunk.SetReferences(0, null);
                return;
            }
        }
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
        bool overChunks = Store?.OverChunksUp ?? false;
        bool overTotal = _budget?.OverTotal ?? false;
        bool over = overOwn || overTotal || overChunks;
        if (over != _paused)
        {
            _paused = over;
            string which = overOwn
                ? $"mem buf overlimit {BufferedBytes}/{limit} bytes{(MemBufLimit is null ? ", the default bound" : "")}"
                : overChunks ? $"storage.max_chunks_up reached: {Store!.ChunksUp}/{Store.Settings.MaxChunksUp} chunks up"
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
