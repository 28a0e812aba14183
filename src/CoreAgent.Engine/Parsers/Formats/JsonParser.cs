using System.Buffers;
using System.Buffers.Binary;
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
/// One <see cref="Utf8JsonReader"/> pass writes msgpack into a per-thread scratch buffer, with a
/// 5-byte placeholder for every map and array header (the member counts are known only at the
/// end). Then the scratch is copied to the body with compact headers, leaving out the time member
/// when it is removed. Nothing reaches the body when the text does not parse; no string is made.
/// </para>
/// </summary>
public sealed class JsonParser : Parser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1000 };
    private const int HeaderRoom = 5; // map32/array32: the largest header a placeholder may become

    [ThreadStatic] private static JsonScratch? t_scratch;

    internal JsonParser(ParserSettings settings) : base(settings) { }

    public override ParserFormat Format => ParserFormat.Json;

    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time) =>
        TryParse(text, ref body, 0, out time);

    /// <summary>
    /// The same, with <paramref name="extraRootPairs"/> added to the root map's count: the caller
    /// writes that many key/value pairs right after the body (tail's Path_Key and Offset_Key).
    /// </summary>
    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, int extraRootPairs, out EventTime? time)
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
            var s = t_scratch ??= new JsonScratch();
            if (!Convert(text, s)) return false;

            if (s.TimeValueStart >= 0)
            {
                // The time string, already unescaped, is the payload of the msgpack str in the scratch.
                if (ReadTime(s.Bytes.AsSpan(s.TimeValueStart, s.TimeMemberEnd - s.TimeValueStart), out var value))
                {
                    time = NonZero(value);
                    if (!Settings.TimeKeep)
                    {
                        s.SkipStart = s.TimeMemberStart;
                        s.SkipEnd = s.TimeMemberEnd;
                        s.Counts[0]--;
                    }
                }
                // Otherwise Fluent Bit sets the time to 0, which its callers read as "no time", and keeps the key.
            }
            s.Counts[0] += extraRootPairs;
            CopyOut(s, ref body);
            return true;
        }
        finally
        {
            if (sanitized is not null) ArrayPool<byte>.Shared.Return(sanitized);
            t_scratch?.Trim();
        }
    }

    /// <summary>Validates one JSON object and writes it as msgpack with placeholder headers into the scratch.</summary>
    private bool Convert(ReadOnlySpan<byte> text, JsonScratch s)
    {
        s.Reset();
        bool lookForTime = Time is not null;
        bool timePending = false;
        int depth = 0;
        try
        {
            var reader = new Utf8JsonReader(text, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            s.Open(isArray: false, ref depth);
            while (depth > 0 && reader.Read())
            {
                int top = s.Stack[depth - 1];
                var token = reader.TokenType;
                if (token == JsonTokenType.PropertyName)
                {
                    s.Counts[top]++;
                    if (depth == 1 && lookForTime && reader.ValueTextEquals(TimeKeyUtf8))
                    {
                        lookForTime = false;
                        timePending = true;
                        s.TimeMemberStart = s.Length;
                    }
                    WriteString(ref reader, s);
                    continue;
                }
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                    continue;
                }
                if (s.IsArray[top]) s.Counts[top]++;
                bool isTime = timePending;
                timePending = false;
                switch (token)
                {
                    case JsonTokenType.StartObject:
                        s.Open(isArray: false, ref depth);
                        break;
                    case JsonTokenType.StartArray:
                        s.Open(isArray: true, ref depth);
                        break;
                    case JsonTokenType.String:
                        int payload = WriteString(ref reader, s);
                        if (isTime)
                        {
                            s.TimeValueStart = payload;
                            s.TimeMemberEnd = s.Length;
                        }
                        break;
                    case JsonTokenType.Number:
                        WriteNumber(ref reader, s);
                        break;
                    case JsonTokenType.True:
                        s.Room(1)[0] = 0xc3;
                        s.Length++;
                        break;
                    case JsonTokenType.False:
                        s.Room(1)[0] = 0xc2;
                        s.Length++;
                        break;
                    case JsonTokenType.Null:
                        s.Room(1)[0] = 0xc0;
                        s.Length++;
                        break;
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
            return false; // an escape that does not unescape (a lone surrogate)
        }
    }

    /// <summary>Writes the string token (unescaped) as a msgpack str; returns where its payload starts.</summary>
    private static int WriteString(ref Utf8JsonReader reader, JsonScratch s)
    {
        var raw = reader.ValueSpan;
        // Unescaping never makes a string longer, so the raw length bounds header and payload.
        var room = s.Room(HeaderRoom + raw.Length);
        int length = raw.Length;
        if (!reader.ValueIsEscaped)
        {
            int header = StrHeader(room, length);
            raw.CopyTo(room[header..]);
            s.Length += header + length;
            return s.Length - length;
        }
        // Unescape after the largest header the raw length needs, then move it back if the header is smaller.
        int reserved = StrHeaderSize(length);
        length = reader.CopyString(room[reserved..]);
        int actual = StrHeaderSize(length);
        if (actual != reserved) room.Slice(reserved, length).CopyTo(room[actual..]);
        StrHeader(room, length);
        s.Length += actual + length;
        return s.Length - length;
    }

    private static void WriteNumber(ref Utf8JsonReader reader, JsonScratch s)
    {
        var raw = reader.ValueSpan;
        var room = s.Room(9);
        if (raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
        {
            if (reader.TryGetInt64(out long signed))
            {
                s.Length += signed >= 0 ? WriteUnsigned(room, (ulong)signed) : WriteNegative(room, signed);
                return;
            }
            if (raw[0] != '-' && reader.TryGetUInt64(out ulong unsigned))
            {
                s.Length += WriteUnsigned(room, unsigned);
                return;
            }
        }
        double d = reader.TryGetDouble(out double parsed) ? parsed : double.Parse(Encoding.ASCII.GetString(raw), System.Globalization.CultureInfo.InvariantCulture);
        room[0] = 0xcb;
        BinaryPrimitives.WriteDoubleBigEndian(room[1..], d);
        s.Length += 9;
    }

    // The encodings MessagePackWriter.Write(long/ulong) chooses: the smallest, unsigned formats for values >= 0.
    private static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        if (value <= 0x7f) { destination[0] = (byte)value; return 1; }
        if (value <= byte.MaxValue) { destination[0] = 0xcc; destination[1] = (byte)value; return 2; }
        if (value <= ushort.MaxValue) { destination[0] = 0xcd; BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value); return 3; }
        if (value <= uint.MaxValue) { destination[0] = 0xce; BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value); return 5; }
        destination[0] = 0xcf;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
        return 9;
    }

    private static int WriteNegative(Span<byte> destination, long value)
    {
        if (value >= -32) { destination[0] = (byte)(sbyte)value; return 1; }
        if (value >= sbyte.MinValue) { destination[0] = 0xd0; destination[1] = (byte)(sbyte)value; return 2; }
        if (value >= short.MinValue) { destination[0] = 0xd1; BinaryPrimitives.WriteInt16BigEndian(destination[1..], (short)value); return 3; }
        if (value >= int.MinValue) { destination[0] = 0xd2; BinaryPrimitives.WriteInt32BigEndian(destination[1..], (int)value); return 5; }
        destination[0] = 0xd3;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], value);
        return 9;
    }

    private static int StrHeaderSize(int length) => length < 32 ? 1 : length < 256 ? 2 : length < 65536 ? 3 : 5;

    private static int StrHeader(Span<byte> destination, int length)
    {
        if (length < 32) { destination[0] = (byte)(0xa0 | length); return 1; }
        if (length < 256) { destination[0] = 0xd9; destination[1] = (byte)length; return 2; }
        if (length < 65536) { destination[0] = 0xda; BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length); return 3; }
        destination[0] = 0xdb;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
        return 5;
    }

    /// <summary>Copies the scratch to the body: each placeholder becomes a compact header, the skipped range is left out.</summary>
    private static void CopyOut(JsonScratch s, ref MessagePackWriter body)
    {
        int from = 0;
        for (int i = 0; i < s.Containers; i++)
        {
            int at = s.Positions[i];
            CopyRange(s, from, at, ref body);
            if (s.IsArray[i]) body.WriteArrayHeader(s.Counts[i]);
            else body.WriteMapHeader(s.Counts[i]);
            from = at + HeaderRoom;
        }
        CopyRange(s, from, s.Length, ref body);
    }

    private static void CopyRange(JsonScratch s, int from, int to, ref MessagePackWriter body)
    {
        // The skipped member is a key and a string, so it never holds a placeholder and lies within one range.
        if (s.SkipStart >= from && s.SkipEnd <= to && s.SkipEnd > s.SkipStart)
        {
            Raw(ref body, s.Bytes.AsSpan(from, s.SkipStart - from));
            Raw(ref body, s.Bytes.AsSpan(s.SkipEnd, to - s.SkipEnd));
            return;
        }
        Raw(ref body, s.Bytes.AsSpan(from, to - from));
    }

    private static void Raw(ref MessagePackWriter writer, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
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

    private static byte[] Sanitize(ReadOnlySpan<byte> text, out int length)
    {
        string decoded = Encoding.UTF8.GetString(text); // invalid sequences become U+FFFD
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(decoded.Length));
        length = Encoding.UTF8.GetBytes(decoded, buffer);
        return buffer;
    }
}
