using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.Shared;

/// <summary>Regular expressions over UTF-8 bytes, decoded into a pooled buffer: no string per record.</summary>
public static class Utf8Regex
{
    public static bool IsMatch(Regex regex, ReadOnlySpan<byte> utf8)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            int length = Encoding.UTF8.GetChars(utf8, chars);
            return regex.IsMatch(chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The bytes of a msgpack string or bin value; false for any other type.</summary>
    public static bool TryText(ReadOnlyMemory<byte> value, out ReadOnlySpan<byte> text)
    {
        text = default;
        var reader = new MessagePackReader(value);
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String when reader.TryReadStringSpan(out var s):
                text = value.Span.Slice((int)reader.Consumed - s.Length, s.Length);
                return true;
            case MessagePackType.Binary when reader.ReadBytes() is { IsSingleSegment: true } bin:
                text = value.Span.Slice((int)reader.Consumed - (int)bin.Length, (int)bin.Length);
                return true;
            default:
                return false;
        }
    }
}
