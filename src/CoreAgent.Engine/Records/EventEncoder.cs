namespace CoreAgent.Engine.Records;

/// <summary>
/// Writes events in Fluent Bit's v2 shape <c>[[EventTime, {metadata}], {body}]</c> straight into a
/// byte span. Metadata and body arrive already msgpack-encoded, so an event costs a copy, not an
/// encoding pass.
/// </summary>
public static class EventEncoder
{
    /// <summary>msgpack for an empty map, the default metadata.</summary>
    public static ReadOnlySpan<byte> EmptyMap => [0x80];

    public static int SizeOf(ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body) =>
        2 + EventTime.EncodedSize + metadata.Length + body.Length;

    /// <summary>Writes one event and returns the bytes written. The destination must hold SizeOf bytes.</summary>
    public static int Write(Span<byte> destination, EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
    {
        destination[0] = 0x92; // outer fixarray(2)
        destination[1] = 0x92; // header fixarray(2)
        time.WriteTo(destination[2..]);
        int offset = 2 + EventTime.EncodedSize;
        metadata.CopyTo(destination[offset..]);
        offset += metadata.Length;
        body.CopyTo(destination[offset..]);
        return offset + body.Length;
    }
}
