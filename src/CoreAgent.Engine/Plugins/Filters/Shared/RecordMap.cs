using System.Buffers;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.Shared;

/// <summary>One key/value pair of a record: the key's and the value's msgpack bytes, and the key's text bytes.</summary>
public readonly record struct MapEntry(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value)
{
    /// <summary>True when the key is a string (or bin) equal to <paramref name="name"/>, byte for byte.</summary>
    public bool Is(ReadOnlySpan<byte> name) => Name.Span.SequenceEqual(name);
}

/// <summary>
/// A record's top-level map as a list of slices of the original bytes, so that filters can drop,
/// reorder, rename and add pairs without decoding any value; <see cref="WriteTo"/> writes it back.
/// One instance is reused for every record of a filter.
/// </summary>
public sealed class RecordMap
{
    private readonly List<MapEntry> _entries = [];

    public List<MapEntry> Entries => _entries;

    /// <summary>The body last loaded, as it was before any edit.</summary>
    public ReadOnlyMemory<byte> Body { get; private set; }

    /// <summary>Reads a body; false when it is not a map (the record is then left alone).</summary>
    public bool Load(ReadOnlyMemory<byte> body)
    {
        _entries.Clear();
        Body = body;
        var reader = new MessagePackReader(body);
        if (reader.NextMessagePackType != MessagePackType.Map) return false;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            int keyStart = (int)reader.Consumed;
            ReadOnlyMemory<byte> name = default;
            var type = reader.NextMessagePackType;
            if (type == MessagePackType.String && reader.TryReadStringSpan(out var text))
                name = body.Slice((int)reader.Consumed - text.Length, text.Length);
            else if (type == MessagePackType.Binary && reader.ReadBytes() is { } bin && bin.IsSingleSegment)
                name = body.Slice((int)reader.Consumed - (int)bin.Length, (int)bin.Length);
            else
                reader.Skip();
            int valueStart = (int)reader.Consumed;
            reader.Skip();
            _entries.Add(new MapEntry(body[keyStart..valueStart], name, body[valueStart..(int)reader.Consumed]));
        }
        return true;
    }

    public int CountOf(ReadOnlySpan<byte> name)
    {
        int n = 0;
        foreach (var entry in _entries) if (entry.Is(name)) n++;
        return n;
    }

    public int IndexOf(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < _entries.Count; i++) if (_entries[i].Is(name)) return i;
        return -1;
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(_entries.Count);
        writer.Flush();
        foreach (var entry in _entries)
        {
            output.Write(entry.Key.Span);
            output.Write(entry.Value.Span);
        }
    }
}

/// <summary>Msgpack strings built once (at Init) or per record into a reusable arena.</summary>
public static class MsgPackStrings
{
    /// <summary>The msgpack encoding of a string; pair it with <see cref="Encoding.UTF8"/> bytes for the name.</summary>
    public static byte[] Encode(string text)
    {
        var buffer = new ArrayBufferWriter<byte>(text.Length + 5);
        var writer = new MessagePackWriter(buffer);
        writer.Write(text);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The entry a constant key/value pair makes.</summary>
    public static MapEntry Pair(string key, string value) =>
        new(Encode(key), Encoding.UTF8.GetBytes(key), Encode(value));
}

/// <summary>
/// Scratch memory for keys and values a filter builds per record (a renamed key, a nested map).
/// Slices stay valid until <see cref="Reset"/>: a full block is replaced, never overwritten.
/// </summary>
public sealed class ByteArena
{
    private byte[] _block = new byte[16 * 1024];
    private int _used;

    public void Reset() => _used = 0;

    public Memory<byte> Take(int length)
    {
        if (_used + length > _block.Length)
        {
            _block = new byte[Math.Max(_block.Length * 2, length)];
            _used = 0;
        }
        var slice = _block.AsMemory(_used, length);
        _used += length;
        return slice;
    }

    /// <summary>Encodes a string key from raw UTF-8 bytes: returns the msgpack bytes and the name slice.</summary>
    public MapEntry StringKey(ReadOnlySpan<byte> utf8, ReadOnlyMemory<byte> value)
    {
        int header = utf8.Length < 32 ? 1 : utf8.Length < 256 ? 2 : utf8.Length < 65536 ? 3 : 5;
        var memory = Take(header + utf8.Length);
        var span = memory.Span;
        switch (header)
        {
            case 1: span[0] = (byte)(0xa0 | utf8.Length); break;
            case 2: span[0] = 0xd9; span[1] = (byte)utf8.Length; break;
            case 3: span[0] = 0xda; span[1] = (byte)(utf8.Length >> 8); span[2] = (byte)utf8.Length; break;
            default:
                span[0] = 0xdb;
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[1..], utf8.Length);
                break;
        }
        utf8.CopyTo(span[header..]);
        return new MapEntry(memory, memory[header..], value);
    }
}
