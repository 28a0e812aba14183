using System.Buffers.Binary;
using System.Text;

namespace CoreAgent.Engine.Storage;

/// <summary>The kinds of block appended to a chunk file after its header (docs/storage.md).</summary>
public enum ChunkBlockKind : byte
{
    /// <summary>Msgpack events, appended as the input writes them.</summary>
    Records = 1,

    /// <summary>An output finished the chunk (delivered, or dropped and counted): payload is the output's name.</summary>
    Delivered = 2,

    /// <summary>A dead letter's reason: payload is output name, NUL, reason.</summary>
    Rejected = 3,
}

/// <summary>
/// CoreAgent's chunk file, version 1, little-endian. Header: magic "CACHUNK" + 0x00 (8), version
/// u16, flags u16 (bit 0: blocks carry a CRC), created u64 (Unix ns), tag length u16 + UTF-8, input
/// name length u16 + UTF-8, CRC-32C u32 of the header bytes before it. Then blocks, each a 16-byte
/// head (kind u8, 3 zero bytes, payload length u32, record count u32, CRC-32C u32 over the head's
/// first 12 bytes and the payload, 0 when unchecked) and its payload. Appends only ever add whole
/// blocks at the end, so a crash leaves a valid prefix and at most one torn block.
/// </summary>
public static class ChunkFileFormat
{
    public static ReadOnlySpan<byte> Magic => "CACHUNK\0"u8;
    public const ushort Version = 1;
    public const ushort FlagChecksum = 1;
    public const int BlockHeadSize = 16;
    public const int MaxNameBytes = 4096;

    /// <summary>A block payload larger than this is damage, not data (chunks are sealed near 2 MB).</summary>
    public const int MaxBlockPayload = 256 * 1024 * 1024;

    public const string Extension = ".chunk";

    public static byte[] EncodeHeader(string tag, string input, bool checksum, long createdUnixNs)
    {
        var tagBytes = Encoding.UTF8.GetBytes(tag);
        var inputBytes = Encoding.UTF8.GetBytes(input);
        if (tagBytes.Length > MaxNameBytes || inputBytes.Length > MaxNameBytes)
            throw new ArgumentException($"tag or input name longer than {MaxNameBytes} bytes");
        var header = new byte[8 + 2 + 2 + 8 + 2 + tagBytes.Length + 2 + inputBytes.Length + 4];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], checksum ? FlagChecksum : (ushort)0);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], createdUnixNs);
        int at = 20;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)tagBytes.Length);
        tagBytes.CopyTo(span[(at + 2)..]);
        at += 2 + tagBytes.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)inputBytes.Length);
        inputBytes.CopyTo(span[(at + 2)..]);
        at += 2 + inputBytes.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Compute(span[..at]));
        return header;
    }

    /// <summary>Fills a block head for <paramref name="payload"/>.</summary>
    public static void EncodeBlockHead(Span<byte> head, ChunkBlockKind kind, ReadOnlySpan<byte> payload, int records, bool checksum)
    {
        head[..BlockHeadSize].Clear();
        head[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[8..], (uint)records);
        uint crc = checksum ? Crc32C.Append(Crc32C.Compute(head[..12]), payload) : 0;
        BinaryPrimitives.WriteUInt32LittleEndian(head[12..], crc);
    }

    public static byte[] EncodeBlock(ChunkBlockKind kind, ReadOnlySpan<byte> payload, int records, bool checksum)
    {
        var block = new byte[BlockHeadSize + payload.Length];
        EncodeBlockHead(block, kind, payload, records, checksum);
        payload.CopyTo(block.AsSpan(BlockHeadSize));
        return block;
    }
}
