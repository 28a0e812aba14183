using System.Buffers.Binary;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Storage;

/// <summary>What a chunk file holds, up to its first damage.</summary>
public sealed class ChunkFileContents
{
    public required string Path { get; init; }

    /// <summary>Tag and input from the header; null when the header itself is not valid.</summary>
    public string? Tag { get; init; }
    public string? Input { get; init; }
    public DateTimeOffset? Created { get; init; }

    /// <summary>Every event of the valid Records blocks, concatenated.</summary>
    public byte[] Records { get; init; } = [];
    public int RecordCount { get; init; }

    /// <summary>Outputs that finished the chunk before the file was left behind.</summary>
    public IReadOnlySet<string> Delivered { get; init; } = new HashSet<string>();

    /// <summary>For a dead letter: the output that rejected the chunk and why.</summary>
    public string? RejectedBy { get; init; }
    public string? RejectedReason { get; init; }

    /// <summary>Bytes of the file up to the first damage: the whole file when it is undamaged.</summary>
    public long ValidLength { get; init; }

    /// <summary>What is wrong with the file, with the byte offset; null when nothing is.</summary>
    public string? Damage { get; init; }

    public bool IsDamaged => Damage is not null;
    public bool HasHeader => Tag is not null;
    public bool Checksummed { get; init; }
}

/// <summary>
/// Reads a chunk file defensively: any problem (a foreign or empty file, a bad header, a torn or
/// corrupted block) ends the read with <see cref="ChunkFileContents.Damage"/> set, never an exception,
/// and what came before it is kept.
/// </summary>
public static class ChunkFileReader
{
    public static ChunkFileContents Read(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ChunkFileContents { Path = path, Damage = $"cannot be read: {ex.Message}" };
        }
        return Parse(path, data);
    }

    public static ChunkFileContents Parse(string path, ReadOnlyMemory<byte> memory)
    {
        var data = memory.Span;
        if (data.Length == 0) return new ChunkFileContents { Path = path, Damage = "is empty (0 bytes)" };
        if (!TryHeader(data, out var tag, out var input, out var created, out bool checksummed, out int headerLength, out var headerDamage))
            return new ChunkFileContents { Path = path, Damage = headerDamage };

        var records = new MemoryStream();
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        int recordCount = 0;
        string? rejectedBy = null, rejectedReason = null, damage = null;
        int at = headerLength;
        while (at < data.Length)
        {
            if (data.Length - at < ChunkFileFormat.BlockHeadSize)
            {
                damage = $"ends inside a block head at byte {at} (truncated)";
                break;
            }
            var head = data.Slice(at, ChunkFileFormat.BlockHeadSize);
            var kind = (ChunkBlockKind)head[0];
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            int count = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(head[8..]));
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(head[12..]);
            if (kind is not (ChunkBlockKind.Records or ChunkBlockKind.Delivered or ChunkBlockKind.Rejected) || head[1] != 0 || head[2] != 0 || head[3] != 0)
            {
                damage = $"has an unknown block at byte {at}";
                break;
            }
            if (length > ChunkFileFormat.MaxBlockPayload || length > data.Length - at - ChunkFileFormat.BlockHeadSize)
            {
                damage = length > ChunkFileFormat.MaxBlockPayload
                    ? $"has a block of an impossible length ({length} bytes) at byte {at}"
                    : $"ends inside the block at byte {at}: {length} bytes announced, {data.Length - at - ChunkFileFormat.BlockHeadSize} present (truncated)";
                break;
            }
            var payload = data.Slice(at + ChunkFileFormat.BlockHeadSize, (int)length);
            if (checksummed && Crc32C.Append(Crc32C.Compute(head[..12]), payload) != crc)
            {
                damage = $"fails its checksum in the block at byte {at}";
                break;
            }
            if (kind == ChunkBlockKind.Records)
            {
                if (CountEvents(memory.Slice(at + ChunkFileFormat.BlockHeadSize, (int)length)) is not { } events || events != count)
                {
                    damage = $"holds a block at byte {at} that is not {count} msgpack events";
                    break;
                }
                records.Write(payload);
                recordCount += count;
            }
            else if (kind == ChunkBlockKind.Delivered)
            {
                delivered.Add(Encoding.UTF8.GetString(payload));
            }
            else
            {
                int nul = payload.IndexOf((byte)0);
                rejectedBy = Encoding.UTF8.GetString(nul < 0 ? payload : payload[..nul]);
                rejectedReason = nul < 0 ? "" : Encoding.UTF8.GetString(payload[(nul + 1)..]);
            }
            at += ChunkFileFormat.BlockHeadSize + (int)length;
        }
        return new ChunkFileContents
        {
            Path = path, Tag = tag, Input = input, Created = created, Checksummed = checksummed,
            Records = records.ToArray(), RecordCount = recordCount, Delivered = delivered,
            RejectedBy = rejectedBy, RejectedReason = rejectedReason, ValidLength = at, Damage = damage,
        };
    }

    private static bool TryHeader(ReadOnlySpan<byte> data, out string? tag, out string? input, out DateTimeOffset? created,
        out bool checksummed, out int length, out string? damage)
    {
        tag = input = null;
        created = null;
        checksummed = false;
        length = 0;
        damage = null;
        if (data.Length < 8 || !data[..8].SequenceEqual(ChunkFileFormat.Magic))
        {
            damage = data.Length >= 2 && data[0] == 0xC1 && data[1] == 0x00
                ? "is a Fluent Bit chunk file, which CoreAgent does not read"
                : "is not a CoreAgent chunk file (no CACHUNK magic)";
            return false;
        }
        if (data.Length < 26)
        {
            damage = "ends inside its header (truncated)";
            return false;
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        if (version != ChunkFileFormat.Version)
        {
            damage = $"has format version {version}; this CoreAgent reads version {ChunkFileFormat.Version}";
            return false;
        }
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[10..]);
        long ns = BinaryPrimitives.ReadInt64LittleEndian(data[12..]);
        int at = 20;
        int tagLength = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
        if (tagLength > ChunkFileFormat.MaxNameBytes || data.Length < at + 2 + tagLength + 2)
        {
            damage = "has a bad or truncated header (tag)";
            return false;
        }
        var tagBytes = data.Slice(at + 2, tagLength);
        at += 2 + tagLength;
        int inputLength = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
        if (inputLength > ChunkFileFormat.MaxNameBytes || data.Length < at + 2 + inputLength + 4)
        {
            damage = "has a bad or truncated header (input name)";
            return false;
        }
        var inputBytes = data.Slice(at + 2, inputLength);
        at += 2 + inputLength;
        if (Crc32C.Compute(data[..at]) != BinaryPrimitives.ReadUInt32LittleEndian(data[at..]))
        {
            damage = "fails its header checksum";
            return false;
        }
        tag = Encoding.UTF8.GetString(tagBytes);
        input = Encoding.UTF8.GetString(inputBytes);
        checksummed = (flags & ChunkFileFormat.FlagChecksum) != 0;
        created = ns >= 0 && ns / 100 <= DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks
            ? new DateTimeOffset(DateTime.UnixEpoch.Ticks + ns / 100, TimeSpan.Zero) : null;
        length = at + 4;
        return true;
    }

    // Each event must be one whole msgpack value; returns null when the bytes are not.
    private static int? CountEvents(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        int count = 0;
        try
        {
            while (!reader.End)
            {
                if (reader.NextMessagePackType != MessagePackType.Array) return null;
                reader.Skip();
                count++;
            }
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
        return count;
    }
}
