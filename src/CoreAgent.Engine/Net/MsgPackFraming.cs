using System.Buffers;
using System.Buffers.Binary;

namespace CoreAgent.Engine.Net;

/// <summary>
/// Finds where one msgpack value ends without decoding it: iterative, so that a peer's deeply
/// nested value cannot exhaust the stack, and with a nesting limit, so that what is accepted can be
/// read by every later stage.
/// </summary>
public static class MsgPackFraming
{
    public const int DefaultMaxDepth = 64;

    /// <summary>
    /// True with the value's length when <paramref name="data"/> starts with a complete value; false
    /// when more bytes are needed. Throws <see cref="FormatException"/> for bytes that are not msgpack
    /// (0xc1) or nest deeper than <paramref name="maxDepth"/>.
    /// </summary>
    public static bool TryMeasure(in ReadOnlySequence<byte> data, out long length, int maxDepth = DefaultMaxDepth)
    {
        var reader = new SequenceReader<byte>(data);
        length = 0;
        Span<long> remaining = stackalloc long[maxDepth + 1];
        int depth = 0;
        remaining[0] = 1;
        while (true)
        {
            while (depth > 0 && remaining[depth] == 0) depth--;
            if (remaining[depth] == 0) break;
            remaining[depth]--;
            if (!reader.TryRead(out byte code)) return false;
            long children = 0, skip = 0;
            switch (code)
            {
                case <= 0x7f or >= 0xe0 or 0xc0 or 0xc2 or 0xc3: break;
                case >= 0x80 and <= 0x8f: children = 2L * (code & 0x0f); break;
                case >= 0x90 and <= 0x9f: children = code & 0x0f; break;
                case >= 0xa0 and <= 0xbf: skip = code & 0x1f; break;
                case 0xc1: throw new FormatException("0xc1 is not a msgpack type");
                case 0xc4 or 0xd9: if (!TryLength(ref reader, 1, out skip)) return false; break;
                case 0xc5 or 0xda: if (!TryLength(ref reader, 2, out skip)) return false; break;
                case 0xc6 or 0xdb: if (!TryLength(ref reader, 4, out skip)) return false; break;
                case 0xc7: if (!TryLength(ref reader, 1, out skip)) return false; skip += 1; break;
                case 0xc8: if (!TryLength(ref reader, 2, out skip)) return false; skip += 1; break;
                case 0xc9: if (!TryLength(ref reader, 4, out skip)) return false; skip += 1; break;
                case 0xca: skip = 4; break;
                case 0xcb: skip = 8; break;
                case 0xcc or 0xd0: skip = 1; break;
                case 0xcd or 0xd1: skip = 2; break;
                case 0xce or 0xd2: skip = 4; break;
                case 0xcf or 0xd3: skip = 8; break;
                case 0xd4: skip = 2; break;
                case 0xd5: skip = 3; break;
                case 0xd6: skip = 5; break;
                case 0xd7: skip = 9; break;
                case 0xd8: skip = 17; break;
                case 0xdc: if (!TryLength(ref reader, 2, out children)) return false; break;
                case 0xdd: if (!TryLength(ref reader, 4, out children)) return false; break;
                case 0xde: if (!TryLength(ref reader, 2, out children)) return false; children *= 2; break;
                case 0xdf: if (!TryLength(ref reader, 4, out children)) return false; children *= 2; break;
            }
            if (skip > 0)
            {
                if (reader.Remaining < skip) return false;
                reader.Advance(skip);
            }
            if (children > 0)
            {
                // Every element takes at least a byte: a count beyond what can still arrive is garbage, not a wait.
                if (children > int.MaxValue) throw new FormatException($"a msgpack container claims {children} elements");
                if (depth == maxDepth) throw new FormatException($"msgpack nested deeper than {maxDepth} levels");
                remaining[++depth] = children;
            }
        }
        length = reader.Consumed;
        return true;
    }

    /// <summary>The length of the complete value at the start of <paramref name="data"/>; throws when it is cut short.</summary>
    public static int Measure(ReadOnlyMemory<byte> data, int maxDepth = DefaultMaxDepth)
    {
        if (!TryMeasure(new ReadOnlySequence<byte>(data), out long length, maxDepth)) throw new FormatException("a msgpack value is cut short");
        return (int)length;
    }

    private static bool TryLength(ref SequenceReader<byte> reader, int size, out long value)
    {
        value = 0;
        Span<byte> bytes = stackalloc byte[size];
        if (!reader.TryCopyTo(bytes)) return false;
        reader.Advance(size);
        value = size switch
        {
            1 => bytes[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            _ => BinaryPrimitives.ReadUInt32BigEndian(bytes),
        };
        return true;
    }
}
