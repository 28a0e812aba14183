using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Fluent Bit's ltsv parser (flb_parser_ltsv.c): label:value fields separated by tabs, up to the
/// first line break. Labels are [0-9A-Za-z_.-]; parsing stops at the first field without a
/// label and ':'. The Time_Key field gives the time (removed unless Time_Keep); a time that does
/// not parse fails the whole line. Types cast the values.
/// </summary>
public sealed class LtsvParser : Parser
{
    internal LtsvParser(ParserSettings settings) : base(settings) { }

    public override ParserFormat Format => ParserFormat.Ltsv;

    private static bool IsLabel(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'
        or (byte)'_' or (byte)'.' or (byte)'-';

    private static bool IsField(byte c) => c is not (0 or (byte)'\t' or (byte)'\n' or (byte)'\r');

    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time)
    {
        time = null;
        int count = Walk(text, ref body, write: false, ref time);
        if (count <= 0) return false;
        EventTime? parsedTime = null;
        // The time is read before anything is written, so that a bad time leaves the writer untouched.
        if (Time is not null && !ReadTimeField(text, ref parsedTime)) return false;
        body.WriteMapHeader(count);
        Walk(text, ref body, write: true, ref time);
        time = parsedTime;
        return true;
    }

    private bool ReadTimeField(ReadOnlySpan<byte> text, ref EventTime? time)
    {
        int c = 0;
        while (Next(text, ref c, out var label, out var field, out bool stop))
        {
            if (label.Length > 0 && field.Length > 0 && label.SequenceEqual(TimeKeyUtf8))
            {
                if (!Time!.TryParse(field, out var parsed))
                {
                    Warn($"Invalid time format {Time.Format}");
                    return false;
                }
                time = NonZero(parsed);
            }
            if (stop) break;
        }
        return true;
    }

    /// <summary>Counts (write false) or writes the fields; returns the count.</summary>
    private int Walk(ReadOnlySpan<byte> text, ref MessagePackWriter body, bool write, ref EventTime? time)
    {
        int c = 0, count = 0;
        while (Next(text, ref c, out var label, out var field, out bool stop))
        {
            if (label.Length > 0)
            {
                bool isTime = Time is not null && field.Length > 0 && label.SequenceEqual(TimeKeyUtf8);
                if (!isTime || Settings.TimeKeep)
                {
                    if (write) WriteField(ref body, label, field);
                    count++;
                }
            }
            if (stop) break;
        }
        return count;
    }

    /// <summary>The next label:field; false when there is none; stop when the line ends after it.</summary>
    private static bool Next(ReadOnlySpan<byte> text, ref int c, out ReadOnlySpan<byte> label, out ReadOnlySpan<byte> field, out bool stop)
    {
        label = field = default;
        stop = false;
        if (c >= text.Length) return false;
        int start = c;
        while (c < text.Length && IsLabel(text[c])) c++;
        label = text[start..c];
        if (c == text.Length || text[c] != ':') return false;
        c++;
        start = c;
        while (c < text.Length && IsField(text[c])) c++;
        field = text[start..c];
        if (c == text.Length) { stop = true; return true; }
        if (text[c] == '\t') c++;
        if (c == text.Length) { stop = true; return true; }
        if (text[c] == '\r' || text[c] == '\n') stop = true;
        return true;
    }
}
