using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Where an input writes events. Events go straight into the input's open chunk as msgpack; a
/// full chunk is sealed and routed at once, a partial one at the next flush tick. Writers batch
/// under one lock so the per-record cost is a copy.
/// </summary>
public sealed class RecordEmitter
{
    private readonly object _gate = new();
    private readonly InputInstance _owner;
    private Chunk? _open;

    internal RecordEmitter(InputInstance owner) => _owner = owner;

    public string Tag => _owner.Tag;

    /// <summary>The input instance this emitter writes for (its buffer accounting and dispatch).</summary>
    internal InputInstance Owner => _owner;

    /// <summary>True while the input's buffered bytes exceed its Mem_Buf_Limit; inputs skip work then.</summary>
    public bool IsPaused => _owner.CheckPaused();

    /// <summary>Writes one event; for many, use <see cref="BeginBatch"/>.</summary>
    public void Write(EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
    {
        using var batch = BeginBatch();
        batch.Write(time, metadata, body);
    }

    /// <summary>
    /// Takes the emitter's lock until the batch is disposed. With <paramref name="waitForRoom"/> (the
    /// default) a batch that fills a chunk while the input is over its memory bound waits, without
    /// the lock, until the outputs make room or the input is stopped: one large tick cannot overshoot
    /// the bound by more than a chunk. Writers that check <see cref="IsPaused"/> between records
    /// themselves pass false.
    /// </summary>
    public Batch BeginBatch(bool waitForRoom = true)
    {
        Monitor.Enter(_gate);
        return new Batch(this, waitForRoom);
    }

    /// <summary>Seals the open chunk, if any, and hands it to the router (flush ticks and stop).</summary>
    internal void FlushOpenChunk()
    {
        Chunk? sealedChunk;
        lock (_gate)
        {
            sealedChunk = _open;
            _open = null;
        }
        if (sealedChunk is { RecordCount: > 0 }) _owner.Dispatch(sealedChunk);
        else sealedChunk?.SetReferences(0, null);
    }

    private Span<byte> Reserve(int size, bool waitForRoom)
    {
        if (_open is not null && _open.FreeSpace.Length < size && _open.RecordCount > 0)
        {
            _owner.Persist(_open); // on failure the chunk stays open, rolled back, and the write throws
            var full = _open;
            _open = null;
            _owner.Dispatch(full);
            if (waitForRoom) WaitForRoom();
        }
        _open ??= new Chunk(_owner.Tag, Math.Max(Chunk.TargetSize, size));
        _open.EnsureFree(size);
        return _open.FreeSpace;
    }

    // Called with _gate held; Monitor.Wait releases it, so flush ticks and other writers go on meanwhile.
    private void WaitForRoom()
    {
        while (!_owner.Stopping && _owner.CheckPaused()) Monitor.Wait(_gate, 20);
    }

    /// <summary>A locked run of writes; counters are updated once at the end.</summary>
    public ref struct Batch
    {
        private readonly RecordEmitter _emitter;
        private readonly bool _waitForRoom;
        private long _records;
        private long _bytes;

        internal Batch(RecordEmitter emitter, bool waitForRoom)
        {
            _emitter = emitter;
            _waitForRoom = waitForRoom;
            _records = 0;
            _bytes = 0;
        }

        public void Write(EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
        {
            int size = EventEncoder.SizeOf(metadata, body);
            var destination = _emitter.Reserve(size, _waitForRoom);
            int written = EventEncoder.Write(destination, time, metadata, body);
            _emitter._open!.Commit(written, 1);
            _records++;
            _bytes += written;
        }

        /// <summary>Writes one already-encoded event (any shape a Fluent Bit output accepts).</summary>
        public void WriteRaw(ReadOnlySpan<byte> encodedEvent)
        {
            var destination = _emitter.Reserve(encodedEvent.Length, _waitForRoom);
            encodedEvent.CopyTo(destination);
            _emitter._open!.Commit(encodedEvent.Length, 1);
            _records++;
            _bytes += encodedEvent.Length;
        }

        /// <summary>Ends the batch; with filesystem storage the records are in the chunk file when this returns (or it throws <see cref="Storage.StorageException"/>).</summary>
        public void Dispose()
        {
            try
            {
                var owner = _emitter._owner;
                if (owner.Store is null)
                {
                    if (_records > 0) owner.CountIngested(_records, _bytes);
                }
                else if (_emitter._open is { } open)
                {
                    owner.Persist(open); // counts what it writes
                }
            }
            finally
            {
                Monitor.Exit(_emitter._gate);
            }
        }
    }
}
