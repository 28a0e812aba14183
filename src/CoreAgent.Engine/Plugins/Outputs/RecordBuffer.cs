using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>Events taken from a <see cref="RecordBuffer"/>: a run of msgpack events that share one tag.</summary>
public readonly record struct RecordBatch(string Tag, ReadOnlyMemory<byte> Events, int Count);

/// <summary>
/// A bounded queue of events for a host to take (the powershell output keeps copies of its chunks
/// here). Capacity counts records; when an add goes over it, the oldest records are dropped and
/// their number is returned so the output can count them. Events stay msgpack bytes, one segment
/// per flushed chunk: taking costs no copy and no per-record object.
/// </summary>
public sealed class RecordBuffer
{
    private readonly object _gate = new();
    private readonly Queue<Segment> _segments = new();
    private TaskCompletionSource? _waiter;
    private int _capacity;
    private int _count;
    private long _dropped;
    private long _takes;
    private bool _completed;

    public RecordBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The most records kept; older ones are dropped to make room.</summary>
    public int Capacity
    {
        get { lock (_gate) return _capacity; }
        internal set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_gate) _capacity = value;
        }
    }

    /// <summary>Records waiting to be taken.</summary>
    public int Count
    {
        get { lock (_gate) return _count; }
    }

    /// <summary>Records dropped so far because the buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>How many batches have been taken; a change tells the output that someone is receiving.</summary>
    internal long Takes => Interlocked.Read(ref _takes);

    /// <summary>True once the producer has finished (the pipeline stopped); what is left can still be taken.</summary>
    public bool IsCompleted
    {
        get { lock (_gate) return _completed; }
    }

    /// <summary>Completed and empty: nothing more will ever be taken.</summary>
    public bool IsFinished
    {
        get { lock (_gate) return _completed && _count == 0; }
    }

    /// <summary>Adds a copy of <paramref name="recordCount"/> events; returns how many records were dropped to make room.</summary>
    public int Add(string tag, ReadOnlySpan<byte> events, int recordCount) => Add(tag, events, recordCount, out _);

    /// <summary>As <see cref="Add(string, ReadOnlySpan{byte}, int)"/>; <paramref name="droppedBytes"/> is the size of the dropped events.</summary>
    public int Add(string tag, ReadOnlySpan<byte> events, int recordCount, out long droppedBytes)
    {
        droppedBytes = 0;
        if (recordCount <= 0) return 0;
        TaskCompletionSource? wake;
        int dropped = 0;
        lock (_gate)
        {
            var segment = new Segment(tag, events.ToArray(), recordCount);
            if (recordCount > _capacity)
            {
                // The chunk alone is larger than the buffer: keep its newest records.
                dropped += recordCount - _capacity;
                droppedBytes += segment.Skip(recordCount - _capacity);
            }
            while (_count + segment.Count > _capacity)
            {
                var oldest = _segments.Peek();
                int excess = _count + segment.Count - _capacity;
                if (oldest.Count <= excess)
                {
                    _segments.Dequeue();
                    _count -= oldest.Count;
                    dropped += oldest.Count;
                    droppedBytes += oldest.Bytes.Length - oldest.Offset;
                }
                else
                {
                    droppedBytes += oldest.Skip(excess);
                    _count -= excess;
                    dropped += excess;
                }
            }
            _segments.Enqueue(segment);
            _count += segment.Count;
            wake = _waiter;
            _waiter = null;
        }
        if (dropped > 0) Interlocked.Add(ref _dropped, dropped);
        wake?.TrySetResult();
        return dropped;
    }

    /// <summary>Takes the oldest run of events, if any.</summary>
    public bool TryTake(out RecordBatch batch)
    {
        lock (_gate)
        {
            if (!_segments.TryDequeue(out var segment))
            {
                batch = default;
                return false;
            }
            _count -= segment.Count;
            batch = new RecordBatch(segment.Tag, segment.Bytes.AsMemory(segment.Offset), segment.Count);
        }
        Interlocked.Increment(ref _takes);
        return true;
    }

    /// <summary>Completes when records are waiting or the buffer is completed.</summary>
    public Task WaitAsync(CancellationToken cancellation = default)
    {
        Task task;
        lock (_gate)
        {
            if (_count > 0 || _completed) return Task.CompletedTask;
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _waiter.Task;
        }
        return cancellation.CanBeCanceled ? task.WaitAsync(cancellation) : task;
    }

    /// <summary>Marks the end of production (the output exited). Waiters wake; records already in stay takeable.</summary>
    public void Complete()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _completed = true;
            wake = _waiter;
            _waiter = null;
        }
        wake?.TrySetResult();
    }

    private sealed class Segment(string tag, byte[] bytes, int count)
    {
        public string Tag { get; } = tag;
        public byte[] Bytes { get; } = bytes;
        public int Offset { get; private set; }
        public int Count { get; private set; } = count;

        /// <summary>Drops the first <paramref name="records"/> events (one msgpack skip per event, no decoding); returns their size.</summary>
        public int Skip(int records)
        {
            var reader = new MessagePackReader(Bytes.AsMemory(Offset));
            for (int i = 0; i < records; i++) reader.Skip();
            Offset += (int)reader.Consumed;
            Count -= records;
            return (int)reader.Consumed;
        }
    }
}
