using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Writes an input's events under tags the input learns per message (a forward peer's tag, an HTTP
/// path), one open chunk per tag. A chunk is sealed and routed when full, and every open chunk by
/// <see cref="Seal"/>, which the input calls on a timer and when it stops. Counts and buffer
/// accounting are the input's, as for <see cref="RecordEmitter"/>.
/// </summary>
public sealed class TaggedEmitter
{
    // Chunks start small and grow, so that many tags do not each hold 2 MB.
    private const int InitialCapacity = 64 * 1024;

    private readonly object _gate = new();
    private readonly InputInstance _input;
    private readonly Dictionary<string, Chunk> _open = new(StringComparer.Ordinal);

    public TaggedEmitter(RecordEmitter emitter) => _input = emitter.Owner;

    /// <summary>True while the input's buffered bytes exceed its Mem_Buf_Limit.</summary>
    public bool IsPaused => _input.Emitter.IsPaused;

    /// <summary>Takes the lock until the batch is disposed; the records are in the engine's chunks once it is.</summary>
    public Batch BeginBatch()
    {
        Monitor.Enter(_gate);
        return new Batch(this);
    }

    /// <summary>Seals every open chunk and routes it.</summary>
    public void Seal()
    {
        lock (_gate)
        {
            foreach (var chunk in _open.Values)
            {
                if (chunk.RecordCount > 0) _input.Dispatch(chunk);
            }
            _open.Clear();
            _touched.Clear();
            _lastChunk = null;
        }
    }

    private Chunk Reserve(string tag, int size)
    {
        _open.TryGetValue(tag, out var chunk);
        if (chunk is not null && chunk.Length + size > Chunk.TargetSize && chunk.RecordCount > 0)
        {
            _input.Persist(chunk); // on failure the chunk stays open, rolled back, and the write throws
            _touched.Remove(chunk);
            _open.Remove(tag);
            _input.Dispatch(chunk);
            chunk = null;
        }
        if (chunk is null) _open[tag] = chunk = new Chunk(tag, Math.Max(InitialCapacity, size));
        chunk.EnsureFree(size);
        if (_input.Store is not null && !_touched.Contains(chunk)) _touched.Add(chunk);
        return chunk;
    }

    // The state of the batch in progress; only touched under the lock, so copies of a Batch share it.
    private long _records;
    private long _bytes;
    private string? _lastTag;
    private Chunk? _lastChunk;
    private readonly List<Chunk> _touched = []; // chunks written in this batch, to persist at its end

    private void WriteLocked(string tag, EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
    {
        int size = EventEncoder.SizeOf(metadata, body);
        // Consecutive records usually share a tag: reuse the chunk while it has room.
        var chunk = _lastChunk is not null && ReferenceEquals(tag, _lastTag) && _lastChunk.FreeSpace.Length >= size
            ? _lastChunk
            : Reserve(tag, size);
        _lastTag = tag;
        _lastChunk = chunk;
        int written = EventEncoder.Write(chunk.FreeSpace, time, metadata, body);
        chunk.Commit(written, 1);
        _records++;
        _bytes += written;
    }

    private void EndBatch()
    {
        Exception? failed = null;
        if (_input.Store is null)
        {
            if (_records > 0) _input.CountIngested(_records, _bytes);
        }
        else
        {
            foreach (var chunk in _touched)
            {
                try { _input.Persist(chunk); } // counts what it writes
                catch (Storage.StorageException ex) { failed ??= ex; }
            }
            _touched.Clear();
        }
        _records = _bytes = 0;
        _lastTag = null;
        _lastChunk = null;
        Monitor.Exit(_gate);
        if (failed is not null) throw failed;
    }

    /// <summary>A locked run of writes; a copy writes into the same batch.</summary>
    public readonly ref struct Batch
    {
        private readonly TaggedEmitter _emitter;

        internal Batch(TaggedEmitter emitter) => _emitter = emitter;

        /// <summary>Writes one v2 event under <paramref name="tag"/>.</summary>
        public void Write(string tag, EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body) =>
            _emitter.WriteLocked(tag, time, metadata, body);

        public void Dispose() => _emitter.EndBatch();
    }
}
