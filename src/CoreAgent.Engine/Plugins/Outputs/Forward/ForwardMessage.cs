using System.Buffers;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.Forward;

/// <summary>
/// Builds one forward protocol v1 message from a chunk: Forward mode <c>[tag, [[time, record], ...], option]</c>,
/// or CompressedPackedForward <c>[tag, bin(gzip(entries)), {"compressed":"gzip", ...}]</c> with gzip. time is
/// EventTime (ext 0) unless <c>time_as_integer</c>. The option map carries <c>size</c>, <c>chunk</c> (when an ack
/// is wanted) and <c>compressed</c>; it is sent when any of them applies or Send_options is on.
/// </summary>
public static class ForwardMessage
{
    public static byte[] Build(string tag, ReadOnlyMemory<byte> events, bool gzip, string? chunkId, bool sendOptions, bool timeAsInteger)
    {
        var entries = new ArrayBufferWriter<byte>(events.Length + 64);
        var entryWriter = new MessagePackWriter(entries);
        var reader = new MessagePackReader(events);
        int count = 0;
        while (!reader.End)
        {
            var e = EventReader.ReadOne(ref reader, events);
            entryWriter.WriteArrayHeader(2);
            if (timeAsInteger) entryWriter.Write(e.Time.Seconds);
            else WriteEventTime(ref entryWriter, e.Time);
            entryWriter.WriteRaw(e.Body.Span);
            count++;
        }
        entryWriter.Flush();

        var message = new ArrayBufferWriter<byte>(entries.WrittenCount + tag.Length + 96);
        var w = new MessagePackWriter(message);
        bool options = sendOptions || gzip || chunkId is not null;
        w.WriteArrayHeader(options ? 3 : 2);
        w.Write(tag);
        if (gzip)
        {
            w.Write(Gzip.Compress(entries.WrittenSpan));
        }
        else
        {
            w.WriteArrayHeader(count);
            w.WriteRaw(entries.WrittenSpan);
        }
        if (options)
        {
            int pairs = 1 + (chunkId is null ? 0 : 1) + (gzip ? 1 : 0);
            w.WriteMapHeader(pairs);
            w.Write("size");
            w.Write(count);
            if (chunkId is not null)
            {
                w.Write("chunk");
                w.Write(chunkId);
            }
            if (gzip)
            {
                w.Write("compressed");
                w.Write("gzip");
            }
        }
        w.Flush();
        return message.WrittenSpan.ToArray();
    }

    public static void WriteEventTime(ref MessagePackWriter writer, EventTime time)
    {
        writer.WriteExtensionFormatHeader(new ExtensionHeader(0, 8));
        var payload = writer.GetSpan(8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, time.Seconds);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload[4..], time.Nanoseconds);
        writer.Advance(8);
    }
}
