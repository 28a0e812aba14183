using System.Diagnostics;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Inputs;

/// <summary>
/// Appends already-encoded events to a powershell input, from any thread. Records under the input's
/// own tag go through its <see cref="RecordEmitter"/>; records under another tag collect in chunks
/// of that tag, sealed when full, by the input's thread every flush interval, and when the pipeline
/// stops. Backpressure: while the input is paused (Mem_Buf_Limit), a write waits, up to a timeout,
/// then fails saying how many records were written. A write never drops a record silently.
/// </summary>
public sealed class RecordWriter
{
    // Chunks of other tags start small and grow, so that many tags do not each hold 2 MB.
    private const int TaggedInitialCapacity = 64 * 1024;
    private static readonly TimeSpan PausePoll = TimeSpan.FromMilliseconds(10);

    private readonly object _gate = new();
    private readonly InputInstance _input;
    private readonly Dictionary<string, Chunk> _tagged = new(StringComparer.Ordinal);
    private bool _closed;

    internal RecordWriter(InputInstance input, bool closed)
    {
        _input = input;
        _closed = closed;
    }

    public string InputName => _input.Name;

    /// <summary>The input's own tag, used when a write names no other.</summary>
    public string Tag => _input.Tag;

    public bool IsPaused => _input.Emitter.IsPaused;

    /// <summary>True once the input has stopped: every write fails from then on.</summary>
    public bool IsClosed
    {
        get { lock (_gate) return _closed; }
    }

    /// <summary>
    /// Appends every event in <paramref name="events"/> (a concatenation of v2 or legacy events) under
    /// <paramref name="tag"/>, or the input's tag when it is null or empty. Returns the number of records.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not Fluent Bit events; nothing was written.</exception>
    /// <exception cref="RecordWriteTimeoutException">The input stayed paused longer than <paramref name="timeout"/>.</exception>
    /// <exception cref="RecordWriterClosedException">The input stopped.</exception>
    /// <exception cref="OperationCanceledException">The wait for a paused input was cancelled.</exception>
    public int Write(ReadOnlyMemory<byte> events, string? tag, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var slices = EventReader.ReadAll(events);
        string target = string.IsNullOrEmpty(tag) ? _input.Tag : tag;
        int written = 0;
        while (written < slices.Count)
        {
            WaitWhilePaused(timeout, cancellation, written, slices.Count);
            lock (_gate)
            {
                if (_closed) throw new RecordWriterClosedException(_input.Name, written, slices.Count);
                try
                {
                    written = target == _input.Tag ? WriteOwn(slices, written) : WriteTagged(target, slices, written);
                }
                catch (Storage.StorageException ex)
                {
                    throw new Storage.StorageException($"{ex.Message}; {written} of {slices.Count} records were written before, the others were not", ex);
                }
            }
        }
        return written;
    }

    // Writes from 'next' until done or the input pauses; always at least one event. Returns the new position.
    private int WriteOwn(List<EventSlice> slices, int next)
    {
        var emitter = _input.Emitter;
        using var batch = emitter.BeginBatch(waitForRoom: false); // pauses between records itself, with a timeout
        do
        {
            batch.WriteRaw(slices[next++].Raw.Span);
        }
        while (next < slices.Count && !emitter.IsPaused);
        return next;
    }

    private int WriteTagged(string tag, List<EventSlice> slices, int next)
    {
        long records = 0, bytes = 0;
        do
        {
            var raw = slices[next++].Raw.Span;
            _tagged.TryGetValue(tag, out var chunk);
            if (chunk is not null && chunk.Length + raw.Length > Chunk.TargetSize && chunk.RecordCount > 0)
            {
                _input.Persist(chunk); // filesystem storage: on failure it stays, rolled back, and this throws
                _tagged.Remove(tag);
                _input.Dispatch(chunk);
                chunk = null;
            }
            if (chunk is null) _tagged[tag] = chunk = new Chunk(tag, Math.Max(TaggedInitialCapacity, raw.Length));
            chunk.EnsureFree(raw.Length);
            raw.CopyTo(chunk.FreeSpace);
            chunk.Commit(raw.Length, 1);
            records++;
            bytes += raw.Length;
        }
        while (next < slices.Count && !_input.Emitter.IsPaused);
        if (_input.Store is null) _input.CountIngested(records, bytes);
        else _input.Persist(_tagged[tag]); // counts what it writes
        return next;
    }

    private void WaitWhilePaused(TimeSpan timeout, CancellationToken cancellation, int written, int total)
    {
        if (!_input.Emitter.IsPaused) return;
        var waited = Stopwatch.StartNew();
        while (_input.Emitter.IsPaused)
        {
            if (IsClosed) throw new RecordWriterClosedException(_input.Name, written, total);
            if (waited.Elapsed >= timeout)
                throw new RecordWriteTimeoutException(_input.Name, timeout, _input.BufferedBytes, _input.MemoryLimit ?? 0, written, total);
            cancellation.ThrowIfCancellationRequested();
            cancellation.WaitHandle.WaitOne(PausePoll);
        }
    }

    /// <summary>Seals the partial chunks of other tags and routes them (the input's thread, each flush interval).</summary>
    internal void SealTagged()
    {
        lock (_gate) SealTaggedLocked();
    }

    /// <summary>The input stopped: seal what is open and refuse every later write.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            _closed = true;
            SealTaggedLocked();
        }
    }

    private void SealTaggedLocked()
    {
        foreach (var chunk in _tagged.Values) _input.Dispatch(chunk);
        _tagged.Clear();
    }
}

/// <summary>A write to a powershell input waited longer than its timeout for the paused input to resume.</summary>
public sealed class RecordWriteTimeoutException(string input, TimeSpan timeout, long bufferedBytes, long limit, int written, int total)
    : TimeoutException($"input {input} stayed paused for {timeout.TotalSeconds:0.###} s: its buffered chunks ({bufferedBytes} bytes) " +
        $"are over its mem_buf_limit ({limit} bytes) because the outputs are not keeping up; {written} of {total} records were written, the other {total - written} were not")
{
    public int Written { get; } = written;
    public int Total { get; } = total;
}

/// <summary>A write to a powershell input whose pipeline has stopped.</summary>
public sealed class RecordWriterClosedException(string input, int written, int total)
    : InvalidOperationException($"input {input} has stopped; {written} of {total} records were written, the other {total - written} were not")
{
    public int Written { get; } = written;
    public int Total { get; } = total;
}
