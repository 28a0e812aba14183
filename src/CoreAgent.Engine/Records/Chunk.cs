using System.Buffers;
using System.Text;

namespace CoreAgent.Engine.Records;

/// <summary>
/// A run of msgpack events that share one tag: the unit that is buffered, routed, retried and
/// handed to outputs. The bytes are a plain concatenation of events, exactly what a Fluent Bit
/// output receives. Chunks are reference counted so one chunk can go to several outputs, and
/// their buffers return to a pool when the last output is done.
/// </summary>
public sealed class Chunk
{
    /// <summary>Chunks are sealed at about this size, as Fluent Bit does (2 MB).</summary>
    public const int TargetSize = 2 * 1024 * 1024;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(8 * 1024 * 1024, 64);

    private byte[] _buffer;
    private int _references;
    private Action<Chunk>? _onReleased;

    public Chunk(string tag, int capacity = TargetSize)
    {
        Tag = tag;
        TagUtf8 = NullTerminated(tag);
        _buffer = Pool.Rent(capacity);
    }

    /// <summary>Wraps existing bytes (tests, converters, Invoke-style one-shot flushes).</summary>
    public static Chunk FromBytes(string tag, ReadOnlySpan<byte> events, int recordCount)
    {
        var chunk = new Chunk(tag, Math.Max(events.Length, 1));
        events.CopyTo(chunk._buffer);
        chunk.Length = events.Length;
        chunk.RecordCount = recordCount;
        return chunk;
    }

    public string Tag { get; }

    /// <summary>
    /// The rewrite_tag emitter that produced this chunk (its Emitter_Name), null for input chunks:
    /// a filter skips chunks from its own emitter, as Fluent Bit's does, so a record never loops.
    /// </summary>
    public string? Emitter { get; internal set; }

    /// <summary>The tag as a NUL-terminated UTF-8 string, ready for native plugins.</summary>
    internal byte[] TagUtf8 { get; }

    public int Length { get; private set; }

    public int RecordCount { get; private set; }

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>The backing array, for pinning; only the first <see cref="Length"/> bytes are events.</summary>
    internal byte[] Buffer => _buffer;

    /// <summary>Free space at the end of the chunk; write an event there, then call <see cref="Commit"/>.</summary>
    internal Span<byte> FreeSpace => _buffer.AsSpan(Length);

    internal void Commit(int bytes, int records)
    {
        Length += bytes;
        RecordCount += records;
    }

    /// <summary>Grows the chunk so that it can take one event larger than the free space.</summary>
    internal void EnsureFree(int bytes)
    {
        if (_buffer.Length - Length >= bytes) return;
        var larger = Pool.Rent(Length + bytes);
        _buffer.AsSpan(0, Length).CopyTo(larger);
        Pool.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>Sets how many holders (outputs) must release the chunk before it is recycled.</summary>
    internal void SetReferences(int count, Action<Chunk>? onReleased)
    {
        _onReleased = onReleased;
        Volatile.Write(ref _references, count);
        if (count == 0) Recycle();
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Recycle();
    }

    private void Recycle()
    {
        var callback = Interlocked.Exchange(ref _onReleased, null);
        callback?.Invoke(this);
        if (File is { } file)
        {
            File = null;
            file.Finish();
            Interlocked.Exchange(ref _onFileReleased, null)?.Invoke();
        }
        var buffer = Interlocked.Exchange(ref _buffer, Array.Empty<byte>());
        if (buffer.Length > 0) Pool.Return(buffer);
    }

    private static byte[] NullTerminated(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>The chunk's file when its input buffers on the filesystem (docs/storage.md).</summary>
    internal Storage.ChunkFile? File { get; private set; }

    /// <summary>Bytes and records already appended to <see cref="File"/>.</summary>
    internal int PersistedLength { get; private set; }
    internal int PersistedCount { get; private set; }

    // Runs once when the file is finished (the store counts chunks up).
    private Action? _onFileReleased;

    internal void AttachFile(Storage.ChunkFile file, Action? onReleased)
    {
        File = file;
        _onFileReleased = onReleased;
    }

    internal void MarkPersisted()
    {
        PersistedLength = Length;
        PersistedCount = RecordCount;
    }

    /// <summary>Drops what was written after the last persisted point (a failed file write).</summary>
    internal void RollBack()
    {
        Length = PersistedLength;
        RecordCount = PersistedCount;
    }

    /// <summary>A filter replaced this chunk: the replacement owns the file now.</summary>
    internal void MoveFileTo(Chunk replacement)
    {
        replacement.File = File;
        replacement._onFileReleased = _onFileReleased;
        replacement.PersistedLength = replacement.Length;
        replacement.PersistedCount = replacement.RecordCount;
        File = null;
        _onFileReleased = null;
    }

    /// <summary>
    /// An output is done with the chunk. With a file: delivered (or dropped and counted) notes the
    /// output in the file, unless it is the last holder, whose release deletes the file anyway;
    /// otherwise (a stop left it pending) the file is kept for the next start.
    /// </summary>
    internal void Release(string output, bool done)
    {
        if (File is { } file)
        {
            try
            {
                if (!done) file.Keep();
                else if (Volatile.Read(ref _references) > 1) file.MarkDelivered(output);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Not noted: a restart delivers it to this output again (at-least-once).
            }
        }
        Release();
    }

    public override string ToString() => $"{Tag} ({RecordCount} records, {Length} bytes)";
}
