using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Forward;

/// <summary>
/// Decodes one forward message (Message, Forward, PackedForward, CompressedPackedForward) and
/// writes its entries as v2 events. Entries are <c>[time, record]</c> or, from v2 senders,
/// <c>[[time, metadata], record]</c>; time is EventTime (ext 0), an integer or a float. An entry whose
/// record is not a map is skipped with a warning.
/// </summary>
internal sealed class ForwardDecoder(string tagPrefix, int maxDecompressed, AgentLog log, string owner, string peer)
{
    private readonly ArrayBufferWriter<byte> _inflated = new();
    private byte[] _lastTagBytes = [];
    private string _lastTag = "";
    private long _skipped;

    /// <summary>Writes the message's entries into <paramref name="batch"/>; returns option.chunk, or null when no ack is asked for.</summary>
    public string? Decode(ReadOnlyMemory<byte> message, TaggedEmitter.Batch batch)
    {
        var reader = new MessagePackReader(message);
        if (reader.NextMessagePackType != MessagePackType.Array) throw new FormatException("a forward message is an array");
        int count = reader.ReadArrayHeader();
        if (count < 2) throw new FormatException($"a forward message has at least 2 elements, not {count}");
        string tag = ReadTag(ref reader);
        int used = 2;
        ReadOnlyMemory<byte> packed = default;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                int entries = reader.ReadArrayHeader();
                for (int i = 0; i < entries; i++) WriteEntry(ref reader, message, tag, batch);
                break;
            case MessagePackType.String:
            case MessagePackType.Binary:
                packed = Slice(reader.NextMessagePackType == MessagePackType.String ? reader.ReadStringSequence() : reader.ReadBytes(), message);
                break;
            default:
                if (count < 3) throw new FormatException("a Message mode message is [tag, time, record]");
                var time = ReadTime(ref reader);
                WriteRecord(ref reader, message, tag, time, EventEncoder.EmptyMap, batch);
                used = 3;
                break;
        }
        var (chunk, compressed) = count > used ? ReadOption(ref reader) : (null, null);
        if (!packed.IsEmpty)
        {
            if (compressed is not null)
            {
                if (!compressed.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                    throw new FormatException($"option.compressed '{compressed}' is not supported (only gzip)");
                _inflated.Clear();
                if (!packed.IsEmpty) Gzip.Decompress(packed, _inflated, maxDecompressed);
                packed = _inflated.WrittenMemory;
            }
            while (!packed.IsEmpty)
            {
                int length = MsgPackFraming.Measure(packed);
                var entry = packed[..length];
                var entryReader = new MessagePackReader(entry);
                WriteEntry(ref entryReader, entry, tag, batch);
                packed = packed[length..];
            }
        }
        return chunk;
    }

    private static ReadOnlyMemory<byte> Slice(ReadOnlySequence<byte>? bytes, ReadOnlyMemory<byte> message) =>
        bytes is { } b ? b.First : ReadOnlyMemory<byte>.Empty; // the message is contiguous, so one segment

    private string ReadTag(ref MessagePackReader reader)
    {
        if (!reader.TryReadStringSpan(out var span))
        {
            if (reader.NextMessagePackType != MessagePackType.String) throw new FormatException("the tag is not a string");
            span = reader.ReadStringSequence()!.Value.ToArray();
        }
        if (span.SequenceEqual(_lastTagBytes)) return _lastTag;
        _lastTagBytes = span.ToArray();
        _lastTag = tagPrefix + Encoding.UTF8.GetString(span);
        return _lastTag;
    }

    private void WriteEntry(ref MessagePackReader reader, ReadOnlyMemory<byte> source, string tag, TaggedEmitter.Batch batch)
    {
        if (reader.ReadArrayHeader() != 2) throw new FormatException("an entry is [time, record]");
        EventTime time;
        ReadOnlySpan<byte> metadata = EventEncoder.EmptyMap;
        if (reader.NextMessagePackType == MessagePackType.Array)
        {
            if (reader.ReadArrayHeader() != 2) throw new FormatException("an entry header is [time, metadata]");
            time = ReadTime(ref reader);
            int start = (int)reader.Consumed;
            bool isMap = reader.NextMessagePackType == MessagePackType.Map;
            reader.Skip();
            if (isMap) metadata = source.Span[start..(int)reader.Consumed];
        }
        else
        {
            time = ReadTime(ref reader);
        }
        WriteRecord(ref reader, source, tag, time, metadata, batch);
    }

    private void WriteRecord(ref MessagePackReader reader, ReadOnlyMemory<byte> source, string tag, EventTime time, ReadOnlySpan<byte> metadata, TaggedEmitter.Batch batch)
    {
        int start = (int)reader.Consumed;
        bool isMap = reader.NextMessagePackType == MessagePackType.Map;
        reader.Skip();
        if (!isMap)
        {
            if (_skipped++ % 1000 == 0) log.Warn(owner, $"skipped a record from {peer} whose body is not a map ({_skipped} so far)");
            return;
        }
        batch.Write(tag, time, metadata, source.Span[start..(int)reader.Consumed]);
    }

    private static EventTime ReadTime(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                if (header.TypeCode != 0 || header.Length != 8) throw new FormatException($"time is ext type {header.TypeCode} of {header.Length} bytes, not EventTime (ext 0, 8 bytes)");
                var raw = reader.ReadRaw(8);
                Span<byte> bytes = stackalloc byte[8];
                raw.CopyTo(bytes);
                return new EventTime(BinaryPrimitives.ReadUInt32BigEndian(bytes), BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]));
            case MessagePackType.Integer:
                long seconds = reader.ReadInt64();
                return new EventTime((uint)Math.Clamp(seconds, 0, uint.MaxValue), 0);
            case MessagePackType.Float:
                double value = reader.ReadDouble();
                if (!(value >= 0) || value > uint.MaxValue) return EventTime.Now();
                uint whole = (uint)Math.Floor(value);
                return new EventTime(whole, (uint)Math.Min(999_999_999, Math.Round((value - whole) * 1e9)));
            case MessagePackType.Nil:
                reader.ReadNil();
                return EventTime.Now();
            default:
                throw new FormatException($"time is a {reader.NextMessagePackType}, not EventTime or an integer");
        }
    }

    private static (string? Chunk, string? Compressed) ReadOption(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            reader.Skip();
            return (null, null);
        }
        string? chunk = null, compressed = null;
        int pairs = reader.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            string? key = reader.NextMessagePackType == MessagePackType.String ? reader.ReadString() : null;
            if (key is null) { reader.Skip(); reader.Skip(); continue; }
            if (key == "chunk" && reader.NextMessagePackType == MessagePackType.String) chunk = reader.ReadString();
            else if (key == "compressed" && reader.NextMessagePackType == MessagePackType.String) compressed = reader.ReadString();
            else reader.Skip();
        }
        return (chunk, compressed);
    }
}
