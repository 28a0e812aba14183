using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// The messages between the engine and a plugin host. A frame is a little-endian int32 length (of
/// what follows), one type byte, then the payload. Requests carry a request id that the reply
/// echoes, so several flushes can be in flight on one connection (workers &gt; 1). Flush sends the
/// chunk's bytes as they are, after a small header: no per-record work on either side.
/// </summary>
internal enum HostMessage : byte
{
    Load = 1,        // id, path                       -> Loaded | LoadFailed
    Loaded = 2,      // id, name, description, type, event type
    LoadFailed = 3,  // id, error code, message
    Init = 4,        // id, instance, plugin type (1 input, 2 output), instance name, log level, pairs -> InitDone
    InitDone = 5,    // id, result (1 ok, 0 failed), message, requested keys
    Flush = 6,       // id, instance, tag, data length, data -> FlushDone
    FlushDone = 7,   // id, result (FLB_*), message ("" or an exception's text)
    PreExit = 8,     // id                             -> Done
    Exit = 9,        // id, instance                   -> ExitDone
    ExitDone = 10,   // id, requested keys
    Done = 11,       // id
    Log = 12,        // instance (0: log_print), level, source, message, event ("" for none)
    Shutdown = 13,   // (no reply: the host exits)
    Metrics = 14,    // id, instance                   -> MetricsDone
    MetricsDone = 15, // id, Prometheus text of the plugin's own cmetrics ("" for none)
    Collect = 16,    // id, instance (an input)         -> CollectDone
    CollectDone = 17, // id, callback result (int64), message, data length, the plugin's msgpack bytes as returned
}

/// <summary>Builds one frame in a reusable buffer.</summary>
internal sealed class FrameWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public FrameWriter Begin(HostMessage type)
    {
        _buffer.Clear();
        _buffer.GetSpan(5);
        _buffer.Advance(4); // length, filled in by Finish
        _buffer.GetSpan(1)[0] = (byte)type;
        _buffer.Advance(1);
        return this;
    }

    public FrameWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public FrameWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public FrameWriter String(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Int32(length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
        return this;
    }

    public FrameWriter Bytes(ReadOnlySpan<byte> value)
    {
        Int32(value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    public FrameWriter Strings(IReadOnlyCollection<string> values)
    {
        Int32(values.Count);
        foreach (var value in values) String(value);
        return this;
    }

    /// <summary>Fills in the length; <paramref name="trailing"/> bytes (a chunk) are sent right after the frame's header.</summary>
    public ArraySegment<byte> Finish(int trailing = 0)
    {
        var written = _buffer.WrittenMemory;
        var array = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(written, out ArraySegment<byte> segment) ? segment : default;
        BinaryPrimitives.WriteInt32LittleEndian(array.AsSpan(0, 4), written.Length - 4 + trailing);
        return array;
    }
}

/// <summary>Reads the fields of a received payload in order.</summary>
internal ref struct FrameReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public int Int32()
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(_payload[_position..]);
        _position += 4;
        return value;
    }

    public long Int64()
    {
        long value = BinaryPrimitives.ReadInt64LittleEndian(_payload[_position..]);
        _position += 8;
        return value;
    }

    public string String()
    {
        int length = Int32();
        if (length < 0 || length > _payload.Length - _position) throw new InvalidDataException("a string in a host frame runs past its end");
        string value = Encoding.UTF8.GetString(_payload.Slice(_position, length));
        _position += length;
        return value;
    }

    public List<string> Strings()
    {
        int count = Int32();
        if (count < 0 || count > _payload.Length) throw new InvalidDataException("a string list in a host frame is too long");
        var values = new List<string>(count);
        for (int i = 0; i < count; i++) values.Add(String());
        return values;
    }
}

/// <summary>Reading whole frames from a stream.</summary>
internal static class HostStream
{
    /// <summary>Frames above this are refused: a chunk is about 2 MB, a single huge record a little more.</summary>
    public const int MaxFrame = 512 * 1024 * 1024;

    /// <summary>Reads the 5-byte frame header; false at a clean end of stream.</summary>
    public static bool ReadHeader(Stream stream, Span<byte> header5, out int length, out HostMessage type)
    {
        length = 0;
        type = 0;
        int read = 0;
        while (read < 5)
        {
            int n = stream.Read(header5[read..5]);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new EndOfStreamException("the plugin host connection closed inside a frame header");
            }
            read += n;
        }
        length = BinaryPrimitives.ReadInt32LittleEndian(header5);
        if (length < 1 || length > MaxFrame) throw new InvalidDataException($"plugin host frame length {length} is out of range");
        type = (HostMessage)header5[4];
        length -= 1; // the type byte is counted in the length
        return true;
    }
}
