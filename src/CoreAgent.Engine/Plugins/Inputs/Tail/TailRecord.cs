using System.Buffers.Binary;
using System.Text;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// Builds a tail record's body in msgpack, in Fluent Bit's key order: Path_Key (the file's name as
/// found), Offset_Key (the offset of the line's first byte), then Key with the line's bytes as a
/// str (bytes as read, not decoded). The per-file keys are encoded once; a line costs a copy.
/// </summary>
public sealed class TailRecord
{
    private readonly byte[] _keyPrefix; // str header + Key bytes
    private readonly byte[]? _offsetKey;
    private readonly int _fixedPairs;

    public TailRecord(string key, string? pathKey, string? offsetKey)
    {
        _keyPrefix = Str(key);
        _offsetKey = offsetKey is null ? null : Str(offsetKey);
        _fixedPairs = 1 + (pathKey is null ? 0 : 1) + (offsetKey is null ? 0 : 1);
        PathKey = pathKey;
    }

    public string? PathKey { get; }
    public bool HasOffsetKey => _offsetKey is not null;

    /// <summary>The Path_Key pair for one file (empty without Path_Key).</summary>
    public byte[] PathPair(string path) => PathKey is null ? [] : [.. Str(PathKey), .. Str(path)];

    /// <summary>Upper bound of a body for a line of <paramref name="lineLength"/> bytes.</summary>
    public int MaxSize(int pathPairLength, int lineLength) => 1 + pathPairLength + (_offsetKey?.Length ?? 0) + 9 + _keyPrefix.Length + 5 + lineLength;

    /// <summary>Writes {path_key, offset_key, key: line} into <paramref name="destination"/>; returns the length.</summary>
    public int Write(Span<byte> destination, ReadOnlySpan<byte> pathPair, long offset, ReadOnlySpan<byte> line)
    {
        destination[0] = (byte)(0x80 | _fixedPairs);
        int n = 1;
        pathPair.CopyTo(destination[n..]);
        n += pathPair.Length;
        if (_offsetKey is not null)
        {
            _offsetKey.CopyTo(destination[n..]);
            n += _offsetKey.Length;
            n += WriteUInt(destination[n..], (ulong)offset);
        }
        _keyPrefix.CopyTo(destination[n..]);
        n += _keyPrefix.Length;
        n += WriteStrHeader(destination[n..], line.Length);
        line.CopyTo(destination[n..]);
        return n + line.Length;
    }

    /// <summary>Appends the Path_Key and Offset_Key pairs to a parsed map (its header already counts them); returns bytes written.</summary>
    public int WriteExtraPairs(Span<byte> destination, ReadOnlySpan<byte> pathPair, long offset)
    {
        pathPair.CopyTo(destination);
        int n = pathPair.Length;
        if (_offsetKey is not null)
        {
            _offsetKey.CopyTo(destination[n..]);
            n += _offsetKey.Length;
            n += WriteUInt(destination[n..], (ulong)offset);
        }
        return n;
    }

    /// <summary>How many pairs Path_Key and Offset_Key add to a parsed record.</summary>
    public int ExtraPairs => _fixedPairs - 1;

    /// <summary>A msgpack map header: its pair count and length (0 when it is not a map).</summary>
    public static (int Pairs, int Length) ReadMapHeader(ReadOnlySpan<byte> map)
    {
        if (map.IsEmpty) return (0, 0);
        byte b = map[0];
        if (b is >= 0x80 and <= 0x8f) return (b & 0x0f, 1);
        if (b == 0xde && map.Length >= 3) return (BinaryPrimitives.ReadUInt16BigEndian(map[1..]), 3);
        if (b == 0xdf && map.Length >= 5) return ((int)BinaryPrimitives.ReadUInt32BigEndian(map[1..]), 5);
        return (0, 0);
    }

    public static int WriteMapHeader(Span<byte> destination, int pairs)
    {
        if (pairs < 16)
        {
            destination[0] = (byte)(0x80 | pairs);
            return 1;
        }
        if (pairs < 65536)
        {
            destination[0] = 0xde;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)pairs);
            return 3;
        }
        destination[0] = 0xdf;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)pairs);
        return 5;
    }

    public static byte[] Str(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var bytes = new byte[5 + utf8.Length];
        int n = WriteStrHeader(bytes, utf8.Length);
        utf8.CopyTo(bytes, n);
        return bytes[..(n + utf8.Length)];
    }

    public static int WriteStrHeader(Span<byte> destination, int length)
    {
        if (length < 32)
        {
            destination[0] = (byte)(0xa0 | length);
            return 1;
        }
        if (length < 256)
        {
            destination[0] = 0xd9;
            destination[1] = (byte)length;
            return 2;
        }
        if (length < 65536)
        {
            destination[0] = 0xda;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
            return 3;
        }
        destination[0] = 0xdb;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
        return 5;
    }

    public static int WriteUInt(Span<byte> destination, ulong value)
    {
        if (value < 128)
        {
            destination[0] = (byte)value;
            return 1;
        }
        if (value <= byte.MaxValue)
        {
            destination[0] = 0xcc;
            destination[1] = (byte)value;
            return 2;
        }
        if (value <= ushort.MaxValue)
        {
            destination[0] = 0xcd;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
            return 3;
        }
        if (value <= uint.MaxValue)
        {
            destination[0] = 0xce;
            BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
            return 5;
        }
        destination[0] = 0xcf;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
        return 9;
    }
}
