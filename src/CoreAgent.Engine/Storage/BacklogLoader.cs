using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Storage;

/// <summary>
/// Delivers the chunks an earlier run left in storage.path, oldest first, before the inputs start:
/// chunks are loaded while the backlog in memory is under storage.backlog.mem_limit (at least one
/// at a time), the rest as outputs finish the loaded ones. Each goes to the outputs that match its
/// tag and have not finished it yet (the Delivered blocks of its file).
/// </summary>
internal sealed class BacklogLoader(List<RecoveredChunk> chunks, long memLimit, Action<Chunk, Action<Chunk>, IReadOnlySet<string>> dispatch, AgentLog log)
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private long _loadedBytes;
    private int _next;
    private Thread? _thread;

    public int Remaining
    {
        get { lock (_gate) return chunks.Count - _next; }
    }

    /// <summary>Loads what fits now; a thread loads the rest.</summary>
    public void Start()
    {
        if (chunks.Count == 0) return;
        log.Info("storage", $"delivering {chunks.Count} chunk(s), {chunks.Sum(c => (long)c.RecordCount)} records, left in storage by an earlier run");
        while (TryLoadNext(wait: false)) { }
        if (Remaining == 0) return;
        _thread = new Thread(() => { while (TryLoadNext(wait: true)) { } }) { IsBackground = true, Name = "CoreAgent storage backlog" };
        _thread.Start();
    }

    private bool TryLoadNext(bool wait)
    {
        RecoveredChunk next;
        lock (_gate)
        {
            while (_next < chunks.Count && _loadedBytes > 0 && _loadedBytes + chunks[_next].Records.Length > memLimit)
            {
                if (!wait || _stop.IsCancellationRequested) return false;
                Monitor.Wait(_gate, 50);
            }
            if (_next >= chunks.Count || _stop.IsCancellationRequested) return false;
            next = chunks[_next++];
            _loadedBytes += next.Records.Length;
        }
        var chunk = Chunk.FromBytes(next.Tag, next.Records, next.RecordCount);
        chunk.MarkPersisted();
        if (next.File is not null) chunk.AttachFile(next.File, null);
        long length = next.Records.Length;
        dispatch(chunk, _ =>
        {
            lock (_gate)
            {
                _loadedBytes -= length;
                Monitor.PulseAll(_gate);
            }
        }, next.Delivered);
        return true;
    }

    /// <summary>Stops loading; the files not loaded stay for the next start.</summary>
    public void Stop()
    {
        _stop.Cancel();
        lock (_gate) Monitor.PulseAll(_gate);
        _thread?.Join();
        lock (_gate)
        {
            for (int i = _next; i < chunks.Count; i++) chunks[i].File?.Close();
            _next = chunks.Count;
        }
    }
}
