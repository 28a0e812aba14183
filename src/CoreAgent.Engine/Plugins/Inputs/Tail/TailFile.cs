using System.Buffers;
using System.IO.Hashing;
using CoreAgent.Engine.Native;
using Microsoft.Win32.SafeHandles;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>One complete line in a <see cref="TailFile"/>'s buffer: where it is and the file offset of its first byte.</summary>
public readonly record struct TailLine(int Start, int Length, long Offset);

/// <summary>What a read did.</summary>
public enum TailReadResult { Data, EndOfFile, LineTooLong }

/// <summary>
/// One monitored file: an open descriptor (kept across renames, so a rotated file is read to its
/// end), a pooled byte buffer that starts at Buffer_Chunk_Size and grows to Buffer_Max_Size, and
/// the split into lines. A partial last line stays in the buffer until its newline arrives. The
/// resumable offset (<see cref="CommittedOffset"/>) is the start of what is not yet consumed; the
/// caller consumes a read's lines only after their records are in a chunk.
/// </summary>
public sealed class TailFile : IDisposable
{
    /// <summary>Bytes hashed before the offset to recognise the same content (Fluent Bit's offset marker).</summary>
    public const int MarkerWindow = 32;

    private readonly TailFileOptions _options;
    private byte[] _buffer;
    private int _size;            // the buffer's logical size: Buffer_Chunk_Size, grown by that step up to Buffer_Max_Size
    private int _length;          // bytes in the buffer
    private int _consumed;        // bytes of the buffer the current lines end at
    private TailLine[] _lines = new TailLine[256];
    private int _lineCount;
    private bool _skipNext;       // skipping the rest of a long line
    private bool _skipWarned;

    private TailFile(string path, SafeFileHandle handle, FileStatus status, TailFileOptions options)
    {
        Path = path;
        Name = path;
        Handle = handle;
        Device = status.Device;
        Inode = status.Inode;
        Size = status.Size;
        _options = options;
        _size = options.BufferChunkSize;
        _buffer = ArrayPool<byte>.Shared.Rent(_size);
    }

    /// <summary>Opens a file for reading without locking it against writers, renames or deletion.</summary>
    public static TailFile? Open(string path, TailFileOptions options, out string? error)
    {
        error = null;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot open {path}: {ex.Message}";
            return null;
        }
        var status = UnixFiles.FStat(handle);
        if (status is null || !status.Value.IsRegular)
        {
            handle.Dispose();
            error = status is null ? $"cannot stat {path}" : null;
            return null;
        }
        return new TailFile(path, handle, status.Value, options) { RealName = UnixFiles.NameOf(handle) };
    }

    /// <summary>The name the file was found under (Path_Key's value, the tag's source).</summary>
    public string Path { get; }

    /// <summary>The file's current name: differs from <see cref="Path"/> once it was renamed (rotated).</summary>
    public string Name { get; set; }

    /// <summary>
    /// The name the kernel gives the open descriptor (absolute, links resolved) when it was last
    /// seen: a rotation is this changing, not <see cref="Name"/> differing from it (a symlink or a
    /// relative Path never equals it).
    /// </summary>
    public string? RealName { get; set; }

    public SafeFileHandle Handle { get; }
    public ulong Device { get; }
    public ulong Inode { get; }

    /// <summary>The tag its records get.</summary>
    public string Tag { get; set; } = "";

    /// <summary>The Path_Key pair, encoded once.</summary>
    public byte[] PathPair { get; set; } = [];

    /// <summary>The file's size at the last stat.</summary>
    public long Size { get; set; }

    /// <summary>Where the next read starts.</summary>
    public long ReadOffset { get; private set; }

    /// <summary>The offset to resume from: everything before it was handed on (what the DB stores).</summary>
    public long CommittedOffset => ReadOffset - (_length - _consumed);

    /// <summary>The last offset stored in the DB, so unchanged files are not written again.</summary>
    public long StoredOffset { get; set; } = -1;

    public long DbId { get; set; }

    /// <summary>When the file was seen renamed away; it is read until Rotate_Wait has passed since.</summary>
    public DateTime? RotatedAt { get; set; }

    /// <summary>True once the file was seen unlinked; it is read to its end and then dropped.</summary>
    public bool Deleted { get; set; }

    /// <summary>The file's multiline stream (multiline.parser), null without one.</summary>
    public Parsers.Multiline.MultilineStream? Multiline { get; set; }

    /// <summary>The offset of the first line still waiting in the multiline stream, null when none is.</summary>
    public long? MultilinePendingFrom { get; set; }

    /// <summary>The file's Docker_Mode joiner (null without Docker_Mode).</summary>
    public DockerModeJoiner? Docker { get; set; }

    /// <summary>The line being handed to the multiline stream (null outside that call), and the offset after it.</summary>
    public long? MultilineCurrentLine { get; set; }
    public long MultilineNextOffset { get; set; }

    /// <summary>True when the last read found nothing more.</summary>
    public bool AtEnd { get; private set; }

    /// <summary>Bytes read but not consumed (a partial line).</summary>
    public int Buffered => _length - _consumed;

    /// <summary>The lines of the last read, in the buffer returned by <see cref="LineBytes"/>.</summary>
    public ReadOnlySpan<TailLine> Lines => _lines.AsSpan(0, _lineCount);

    public ReadOnlySpan<byte> LineBytes(in TailLine line) => _buffer.AsSpan(line.Start, line.Length);

    /// <summary>Sets the position to start from (a DB offset, 0 for the head, the size for the tail) and drops any buffered bytes.</summary>
    public void SeekTo(long offset)
    {
        ReadOffset = offset;
        _length = _consumed = 0;
        _lineCount = 0;
        _size = _options.BufferChunkSize;
        AtEnd = false;
        MultilinePendingFrom = null;
        _skipNext = false;
    }

    /// <summary>
    /// Reads once into the free part of the buffer and splits the complete lines (see <see cref="Lines"/>).
    /// The lines stay valid until the next read; the caller stores the offset only once they are in a chunk. Returns EndOfFile when nothing was read.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public TailReadResult Read(out string? warning)
    {
        warning = null;
        _lineCount = 0;
        Compact();
        if (_size - 1 - _length < 1)
        {
            if (_size >= _options.BufferMaxSize)
            {
                if (!_options.SkipLongLines) return TailReadResult.LineTooLong;
                if (!_skipWarned)
                {
                    warning = $"file={Name} have long lines. Skipping long lines.";
                    _skipWarned = true;
                }
                _length = 0; // drop what the buffer holds of the long line, then skip to its newline
                _skipNext = true;
            }
            else Grow();
        }
        int read = RandomAccess.Read(Handle, _buffer.AsSpan(_length, _size - 1 - _length), ReadOffset);
        AtEnd = read <= 0;
        if (read <= 0) return TailReadResult.EndOfFile;
        ReadOffset += read;
        _length += read;
        Split();
        return TailReadResult.Data;
    }

    private void Grow()
    {
        _size = Math.Min(_options.BufferMaxSize, _size + _options.BufferChunkSize);
        if (_buffer.Length >= _size) return;
        var bigger = ArrayPool<byte>.Shared.Rent(_size);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    // Moves the unconsumed tail of the buffer to its start.
    private void Compact()
    {
        if (_consumed == 0) return;
        int rest = _length - _consumed;
        if (rest > 0) _buffer.AsSpan(_consumed, rest).CopyTo(_buffer);
        _length = rest;
        _consumed = 0;
    }

    private void Split()
    {
        var data = _buffer.AsSpan(0, _length);
        int position = _consumed;
        long baseOffset = ReadOffset - _length;
        // NUL bytes at the head are skipped: copytruncate can leave them when a writer without O_APPEND goes on at its old offset.
        while (position < data.Length && data[position] == 0) position++;
        while (position < data.Length)
        {
            int newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0) break;
            int start = position, length = newline;
            position += newline + 1;
            if (_skipNext)
            {
                _skipNext = false;
                continue;
            }
            if (_options.SkipEmptyLines && (length == 0 || (length == 1 && data[start] == '\r'))) continue;
            if (length >= 2 && data[start + length - 1] == '\r') length--; // CRLF, as Fluent Bit (a lone "\r" line stays)
            if (_lineCount == _lines.Length) Array.Resize(ref _lines, _lines.Length * 2);
            _lines[_lineCount++] = new TailLine(start, length, baseOffset + start);
        }
        _consumed = position;
    }

    /// <summary>The file shrank below what was read: start again from its head (truncation or copytruncate).</summary>
    public void ResetToHead() => SeekTo(0);

    /// <summary>XXH3 of the <see cref="MarkerWindow"/> bytes before <paramref name="offset"/>, as Fluent Bit stores it; (0, 0) at offset 0 or when unreadable.</summary>
    public (ulong Marker, long Size) MarkerAt(long offset)
    {
        if (offset <= 0) return (0, 0);
        int window = (int)Math.Min(MarkerWindow, offset);
        Span<byte> bytes = stackalloc byte[MarkerWindow];
        int read;
        try { read = RandomAccess.Read(Handle, bytes[..window], offset - window); }
        catch (IOException) { return (0, 0); }
        return read != window ? (0, 0) : (XxHash3.HashToUInt64(bytes[..window]), window);
    }

    /// <summary>The marker of the bytes before <see cref="MarkerOffset"/>, kept to notice content replaced under the offset.</summary>
    public ulong Marker { get; private set; }
    public long MarkerSize { get; private set; }
    public long MarkerOffset { get; private set; }

    public void RememberMarker(long offset)
    {
        (Marker, MarkerSize) = MarkerAt(offset);
        MarkerOffset = offset;
    }

    public void Dispose()
    {
        Handle.Dispose();
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

/// <summary>The settings every <see cref="TailFile"/> of an input shares. A line may hold up to Buffer_Max_Size - 1 bytes (Fluent Bit keeps one for a terminator).</summary>
public sealed record TailFileOptions(int BufferChunkSize, int BufferMaxSize, bool SkipLongLines, bool SkipEmptyLines);
