using System.Buffers;
using MessagePack;

namespace CoreAgent.Engine.Records;

/// <summary>One event located inside a chunk: its timestamp and the byte ranges of metadata and body.</summary>
public readonly record struct EventSlice(EventTime Time, ReadOnlyMemory<byte> Metadata, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Raw);

/// <summary>
/// Walks the events in chunk bytes without decoding bodies. Accepts the v2 shape
/// <c>[[time, {meta}], {body}]</c> and the legacy <c>[time, {body}]</c>, where time is an EventTime
/// ext or unsigned seconds, like fluent-bit-go's decoder.
/// </summary>
public static class EventReader
{
    private static readonly byte[] EmptyMetadata = [0x80];

    public static List<EventSlice> ReadAll(ReadOnlyMemory<byte> events)
    {
        var list = new List<EventSlice>();
        var reader = new MessagePackReader(events);
        while (!reader.End)
        {
            list.Add(ReadOne(ref reader, events));
        }
        return list;
    }

    /// <summary>Reads the next event; throws <see cref="FormatException"/> when it is not a Fluent Bit event.</summary>
    public static EventSlice ReadOne(ref MessagePackReader reader, ReadOnlyMemory<byte> source)
    {
        long start = reader.Consumed;
        try
        {
            if (reader.ReadArrayHeader() != 2) throw new FormatException($"event at byte {start} is not a 2-element array");
            ReadOnlyMemory<byte> metadata = EmptyMetadata;
            EventTime time;
            if (reader.NextMessagePackType == MessagePackType.Array)
            {
                if (reader.ReadArrayHeader() != 2) throw new FormatException($"event header at byte {start} is not [time, metadata]");
                time = ReadTime(ref reader, start);
                long metaStart = reader.Consumed;
                if (reader.NextMessagePackType != MessagePackType.Map) throw new FormatException($"event metadata at byte {start} is not a map");
                reader.Skip();
                metadata = source.Slice((int)metaStart, (int)(reader.Consumed - metaStart));
            }
            else
            {
                time = ReadTime(ref reader, start);
            }
            long bodyStart = reader.Consumed;
            if (reader.NextMessagePackType != MessagePackType.Map) throw new FormatException($"event body at byte {start} is not a map");
            reader.Skip();
            var body = source.Slice((int)bodyStart, (int)(reader.Consumed - bodyStart));
            return new EventSlice(time, metadata, body, source.Slice((int)start, (int)(reader.Consumed - start)));
        }
        catch (EndOfStreamException)
        {
            throw new FormatException($"event at byte {start} is truncated");
        }
        catch (ArgumentOutOfRangeException)
        {
            // MessagePackReader.Skip on a str32/bin32/array32/map32 length of 2^31 or more.
            throw new FormatException($"event at byte {start} is truncated: a length in it is larger than the bytes that follow");
        }
        catch (MessagePackSerializationException ex)
        {
            throw new FormatException($"event at byte {start} is not valid msgpack: {ex.Message}", ex);
        }
    }

    private static EventTime ReadTime(ref MessagePackReader reader, long eventStart)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Extension:
                var ext = reader.ReadExtensionFormat();
                if (ext.Header.TypeCode != 0 || ext.Data.Length != 8)
                    throw new FormatException($"event at byte {eventStart} has an extension that is not an EventTime");
                Span<byte> raw = stackalloc byte[8];
                ext.Data.CopyTo(raw);
                return new EventTime(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(raw),
                    System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(raw[4..]));
            case MessagePackType.Integer:
                // Fluent Bit's decoder takes unsigned seconds only; negative or signed-only forms are rejected.
                var code = reader.NextCode;
                bool unsigned = code <= MessagePackCode.MaxFixInt || code == MessagePackCode.UInt8 || code == MessagePackCode.UInt16
                    || code == MessagePackCode.UInt32 || code == MessagePackCode.UInt64;
                if (!unsigned) throw new FormatException($"event at byte {eventStart} has a signed integer timestamp");
                ulong seconds = reader.ReadUInt64();
                return new EventTime((uint)seconds, 0);
            default:
                throw new FormatException($"event at byte {eventStart} has a timestamp of type {reader.NextMessagePackType}");
        }
    }
}
