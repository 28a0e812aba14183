using MessagePack;

namespace CoreAgent.Engine.Parsers;

/// <summary>
/// Writes UTF-8 bytes as a msgpack string. MessagePackWriter.WriteString(span) would do, but the
/// compiler's ref-safety rules reject passing a scoped span to it from a method taking the writer by ref.
/// </summary>
internal static class MsgPack
{
    public static void WriteUtf8(ref MessagePackWriter writer, scoped ReadOnlySpan<byte> utf8)
    {
        writer.WriteStringHeader(utf8.Length);
        if (utf8.IsEmpty) return;
        var destination = writer.GetSpan(utf8.Length);
        utf8.CopyTo(destination);
        writer.Advance(utf8.Length);
    }
}
