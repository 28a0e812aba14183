using System.Buffers;
using MessagePack;

namespace CoreAgent.Engine.GoPlugins.EventShapes;

/// <summary>
/// Rewrites v2 events <c>[[EventTime, {metadata}], {body}]</c> as legacy <c>[EventTime, {body}]</c>,
/// copying the timestamp and body bytes as they are. Events already in a legacy shape pass unchanged.
/// </summary>
public static class LegacyShapeConverter
{
    /// <summary>Writes the converted events of <paramref name="events"/> into a rented buffer; returns the length used.</summary>
    public static int Convert(ReadOnlyMemory<byte> events, out byte[] rented)
    {
        rented = ArrayPool<byte>.Shared.Rent(Math.Max(16, events.Length));
        int written = 0;
        var reader = new MessagePackReader(events);
        while (!reader.End)
        {
            var start = reader.Position;
            if (reader.NextMessagePackType == MessagePackType.Array)
            {
                var probe = reader.CreatePeekReader();
                if (probe.ReadArrayHeader() == 2 && probe.NextMessagePackType == MessagePackType.Array && probe.ReadArrayHeader() >= 1)
                {
                    reader.ReadArrayHeader();
                    int headerCount = reader.ReadArrayHeader();
                    var time = reader.ReadRaw();
                    for (int i = 1; i < headerCount; i++) reader.Skip();
                    var body = reader.ReadRaw();
                    Append(ref rented, ref written, [0x92]);
                    Append(ref rented, ref written, time);
                    Append(ref rented, ref written, body);
                    continue;
                }
            }
            reader.Skip();
            Append(ref rented, ref written, reader.Sequence.Slice(start, reader.Position));
        }
        return written;
    }

    private static void Append(ref byte[] buffer, ref int written, ReadOnlySequence<byte> bytes)
    {
        int length = checked((int)bytes.Length);
        Grow(ref buffer, written, length);
        bytes.CopyTo(buffer.AsSpan(written));
        written += length;
    }

    private static void Append(ref byte[] buffer, ref int written, ReadOnlySpan<byte> bytes)
    {
        Grow(ref buffer, written, bytes.Length);
        bytes.CopyTo(buffer.AsSpan(written));
        written += bytes.Length;
    }

    private static void Grow(ref byte[] buffer, int written, int more)
    {
        if (written + more <= buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, written + more));
        buffer.AsSpan(0, written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }
}
