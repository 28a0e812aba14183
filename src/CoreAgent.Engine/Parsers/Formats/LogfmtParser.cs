using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Fluent Bit's logfmt parser (flb_parser_logfmt.c): key=value pairs separated by anything that is
/// not a key byte (a key byte is above ' ' and not '=' or '"'), up to the first line break. A
/// quoted value may hold \-escapes, which are decoded; a bare key is true (or "" once Types is
/// set, as in Fluent Bit); with Logfmt_No_Bare_Keys a bare key fails the line. The Time_Key pair
/// gives the time (removed unless Time_Keep); a time that does not parse fails the whole line.
/// </summary>
public sealed class LogfmtParser : Parser
{
    internal LogfmtParser(ParserSettings settings) : base(settings) { }

    public override ParserFormat Format => ParserFormat.Logfmt;

    private static bool IsIdent(byte c) => c > ' ' && c != '=' && c != '"';

    private ref struct Pair
    {
        public ReadOnlySpan<byte> Key, Value;
        public bool HasEquals, Quoted, Escaped;
    }

    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time)
    {
        time = null;
        int count = 0, c = 0;
        EventTime? parsedTime = null;
        while (Next(text, ref c, out var pair, out bool stop))
        {
            if (pair.Key.Length > 0)
            {
                if (Settings.LogfmtNoBareKeys && pair.Value.Length == 0 && !pair.HasEquals) return false;
                bool isTime = Time is not null && pair.Value.Length > 0 && pair.Key.SequenceEqual(TimeKeyUtf8);
                if (isTime)
                {
                    if (!Time!.TryParse(pair.Value, out var parsed))
                    {
                        Warn($"Invalid time format {Time.Format}");
                        return false;
                    }
                    parsedTime = NonZero(parsed);
                }
                if (!isTime || Settings.TimeKeep) count++;
            }
            if (stop) break;
        }
        if (count == 0) return false;

        body.WriteMapHeader(count);
        c = 0;
        Span<byte> small = stackalloc byte[256];
        while (Next(text, ref c, out var pair, out bool stop))
        {
            if (pair.Key.Length > 0)
            {
                bool isTime = Time is not null && pair.Value.Length > 0 && pair.Key.SequenceEqual(TimeKeyUtf8);
                if (!isTime || Settings.TimeKeep) WritePair(ref body, pair.Key, pair.Value, pair.Quoted, pair.Escaped, small);
            }
            if (stop) break;
        }
        time = parsedTime;
        return true;
    }

    private void WritePair(ref MessagePackWriter body, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, bool quoted, bool escaped, scoped Span<byte> small)
    {
        if (!Types.IsEmpty)
        {
            WriteField(ref body, key, value);
            return;
        }
        MsgPack.WriteUtf8(ref body, key);
        if (value.Length == 0)
        {
            if (quoted) MsgPack.WriteUtf8(ref body, ReadOnlySpan<byte>.Empty);
            else body.Write(true);
            return;
        }
        if (!escaped)
        {
            MsgPack.WriteUtf8(ref body, value);
            return;
        }
        scoped Span<byte> buffer = value.Length * 4 <= small.Length ? small : new byte[value.Length * 4];
        MsgPack.WriteUtf8(ref body, buffer[..Unescape.Utf8(value, buffer)]);
    }

    private static bool Next(ReadOnlySpan<byte> text, ref int c, out Pair pair, out bool stop)
    {
        pair = default;
        stop = false;
        while (c < text.Length && !IsIdent(text[c])) c++;
        if (c >= text.Length) return false;
        int start = c;
        while (c < text.Length && IsIdent(text[c])) c++;
        pair.Key = text[start..c];
        if (c < text.Length && text[c] == '=')
        {
            pair.HasEquals = true;
            c++;
            if (c < text.Length)
            {
                if (text[c] == '"')
                {
                    c++;
                    start = c;
                    pair.Quoted = true;
                    while (c < text.Length)
                    {
                        if (text[c] == '\\')
                        {
                            pair.Escaped = true;
                            c++;
                            if (c == text.Length) break;
                            c++;
                        }
                        else if (text[c] == '"') break;
                        else c++;
                    }
                    pair.Value = text[start..c];
                    if (c < text.Length && text[c] == '"') c++;
                }
                else
                {
                    start = c;
                    while (c < text.Length && IsIdent(text[c])) c++;
                    pair.Value = text[start..c];
                }
            }
        }
        if (c == text.Length) { stop = true; return true; }
        if (text[c] == '\r')
        {
            c++;
            if (c < text.Length && text[c] == '\n') c++;
            stop = true;
        }
        else if (text[c] == '\n')
        {
            c++;
            stop = true;
        }
        return true;
    }
}
