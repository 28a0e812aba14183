using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Fluent Bit's json parser (flb_parser_json.c over flb_pack_json with yyjson): the text must hold
/// one JSON object; text after it that is not a second JSON value is ignored, a second value makes
/// the line fail. Invalid UTF-8 is replaced with U+FFFD. Numbers with '.', 'e' or 'E' become
/// float64, other numbers integers (float64 past the 64-bit range). Types and Skip_Empty_Values do
/// not apply (as in Fluent Bit). The first top-level key equal to Time_Key whose value is a string
/// gives the time; the key is removed unless Time_Keep is on or the time does not parse.
/// <para>
/// Two passes of <see cref="Utf8JsonReader"/> over the bytes: the first validates and counts the
/// members of every container, the second writes msgpack with exact headers. No string is made.
/// </para>
/// </summary>
public sealed class JsonParser : Parser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1000 };

    [ThreadStatic] private static int[]? t_counts;
    [ThreadStatic] private static int[]? t_stack;

    internal JsonParser(ParserSettings settings) : base(settings) { }

    public override ParserFormat Format => ParserFormat.Json;

    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time)
    {
        time = null;
        byte[]? sanitized = null;
        try
        {
            if (!Utf8.IsValid(text))
            {
                sanitized = Sanitize(text, out int length);
                text = sanitized.AsSpan(0, length);
            }
            if (!Scan(text, out var scan)) return false;

            int skip = -1;
            if (scan.TimeMember >= 0 && scan.TimeLength >= 0)
            {
                var raw = text.Slice(scan.TimeStart, scan.TimeLength);
                bool parsed;
                EventTime value;
                if (scan.TimeEscaped)
                {
                    byte[] unescaped = ArrayPool<byte>.Shared.Rent(raw.Length);
                    try
                    {
                        int n = Unescape(text, scan.TimeStart - 1, unescaped);
                        parsed = ReadTime(unescaped.AsSpan(0, n), out value);
                    }
                    finally { ArrayPool<byte>.Shared.Return(unescaped); }
                }
                else
                {
                    parsed = ReadTime(raw, out value);
                }
                if (parsed)
                {
                    time = NonZero(value);
                    if (!Settings.TimeKeep) skip = scan.TimeMember;
                }
                // Otherwise Fluent Bit sets the time to 0, which its callers read as "no time", and keeps the key.
            }
            Write(text, ref body, skip);
            return true;
        }
        finally
        {
            if (sanitized is not null) ArrayPool<byte>.Shared.Return(sanitized);
        }
    }

    private ref struct ScanResult
    {
        public int TimeMember;
        public int TimeStart;
        public int TimeLength;
        public bool TimeEscaped;
    }

    /// <summary>Validates one JSON object, counts container members into t_counts, finds the time member.</summary>
    private bool Scan(ReadOnlySpan<byte> text, out ScanResult result)
    {
        result = new ScanResult { TimeMember = -1, TimeLength = -1 };
        var counts = t_counts ??= new int[64];
        var stack = t_stack ??= new int[64];
        var arrays = t_isArray ??= new bool[64];
        bool lookForTime = Time is not null;
        bool timePending = false;
        int containers = 0, depth = 0, rootMembers = 0;
        try
        {
            var reader = new Utf8JsonReader(text, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            counts[containers] = 0;
            arrays[depth] = false;
            stack[depth++] = containers++;
            while (depth > 0 && reader.Read())
            {
                int top = stack[depth - 1];
                var token = reader.TokenType;
                if (token == JsonTokenType.PropertyName)
                {
                    counts[top]++;
                    if (depth == 1)
                    {
                        rootMembers++;
                        if (lookForTime && reader.ValueTextEquals(TimeKeyUtf8))
                        {
                            lookForTime = false;
                            timePending = true;
                            result.TimeMember = rootMembers - 1;
                        }
                    }
                    if (reader.ValueIsEscaped) CheckUnescape(ref reader);
                    continue;
                }
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                    continue;
                }
                if (arrays[depth - 1]) counts[top]++;
                bool isTime = timePending;
                timePending = false;
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (containers == counts.Length) t_counts = counts = Grow(counts);
                    if (depth == stack.Length)
                    {
                        t_stack = stack = Grow(stack);
                        Array.Resize(ref arrays, stack.Length);
                        t_isArray = arrays;
                    }
                    counts[containers] = 0;
                    arrays[depth] = token == JsonTokenType.StartArray;
                    stack[depth++] = containers++;
                    continue;
                }
                if (token == JsonTokenType.String)
                {
                    if (isTime)
                    {
                        result.TimeStart = (int)reader.TokenStartIndex + 1;
                        result.TimeLength = reader.ValueSpan.Length;
                        result.TimeEscaped = reader.ValueIsEscaped;
                    }
                    if (reader.ValueIsEscaped) CheckUnescape(ref reader);
                }
            }
            if (depth != 0) return false;
            var rest = text[(int)reader.BytesConsumed..].TrimStart(" \t\r\n"u8);
            // A second JSON value makes two records, which the parser refuses; other junk is ignored.
            return rest.IsEmpty || !IsJsonValue(rest);
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [ThreadStatic] private static bool[]? t_isArray;

    private static void CheckUnescape(ref Utf8JsonReader reader)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try { reader.CopyString(scratch); }
        finally { ArrayPool<byte>.Shared.Return(scratch); }
    }

    private static bool IsJsonValue(ReadOnlySpan<byte> text)
    {
        try
        {
            var reader = new Utf8JsonReader(text, ReaderOptions);
            if (!reader.Read()) return false;
            reader.Skip();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Write(ReadOnlySpan<byte> text, ref MessagePackWriter writer, int skipMember)
    {
        var counts = t_counts!;
        var reader = new Utf8JsonReader(text, ReaderOptions);
        int container = 0, rootMember = 0;
        byte[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        int members = counts[container];
                        if (container == 0 && skipMember >= 0) members--;
                        container++;
                        writer.WriteMapHeader(members);
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteArrayHeader(counts[container++]);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (reader.CurrentDepth == 0) return;
                        break;
                    case JsonTokenType.PropertyName:
                        if (reader.CurrentDepth == 1 && rootMember++ == skipMember)
                        {
                            reader.Read(); // the time string
                            break;
                        }
                        WriteString(ref reader, ref writer, ref scratch);
                        break;
                    case JsonTokenType.String:
                        WriteString(ref reader, ref writer, ref scratch);
                        break;
                    case JsonTokenType.Number:
                        WriteNumber(ref reader, ref writer);
                        break;
                    case JsonTokenType.True:
                        writer.Write(true);
                        break;
                    case JsonTokenType.False:
                        writer.Write(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNil();
                        break;
                }
            }
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void WriteString(ref Utf8JsonReader reader, ref MessagePackWriter writer, ref byte[]? scratch)
    {
        if (!reader.ValueIsEscaped)
        {
            MsgPack.WriteUtf8(ref writer, reader.ValueSpan);
            return;
        }
        int max = reader.ValueSpan.Length;
        if (scratch is null || scratch.Length < max)
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(max);
        }
        int n = reader.CopyString(scratch);
        MsgPack.WriteUtf8(ref writer, scratch.AsSpan(0, n));
    }

    private static void WriteNumber(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        var raw = reader.ValueSpan;
        if (raw.IndexOfAny("."u8[0], (byte)'e', (byte)'E') < 0)
        {
            if (reader.TryGetInt64(out long signed)) { writer.Write(signed); return; }
            if (raw[0] != '-' && reader.TryGetUInt64(out ulong unsigned)) { writer.Write(unsigned); return; }
        }
        writer.Write(reader.TryGetDouble(out double d) ? d : double.Parse(Encoding.ASCII.GetString(raw), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Unescapes the JSON string whose opening quote is at <paramref name="quote"/>.</summary>
    private static int Unescape(ReadOnlySpan<byte> text, int quote, byte[] destination)
    {
        var reader = new Utf8JsonReader(text[quote..], ReaderOptions);
        reader.Read();
        return reader.CopyString(destination);
    }

    private static byte[] Sanitize(ReadOnlySpan<byte> text, out int length)
    {
        string decoded = Encoding.UTF8.GetString(text); // invalid sequences become U+FFFD
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(decoded.Length));
        length = Encoding.UTF8.GetBytes(decoded, buffer);
        return buffer;
    }

    private static int[] Grow(int[] array)
    {
        Array.Resize(ref array, array.Length * 2);
        return array;
    }
}
