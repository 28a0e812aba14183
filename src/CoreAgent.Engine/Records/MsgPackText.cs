using System.Buffers;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Records;

/// <summary>
/// Renders msgpack values as text the way Fluent Bit does, straight from the bytes:
/// <see cref="WriteFluent"/> is msgpack-c's <c>msgpack_object_print</c> (<c>{"k"=>"v"}</c>, floats
/// as <c>%f</c>, nil), <see cref="WriteJson"/> is flb_pack.c's <c>msgpack2json</c> with the default
/// <c>json.escape_unicode on</c> (non-ASCII as <c>\uXXXX</c>, floats as <c>%.16g</c>, a key repeated
/// in a map keeps only its last occurrence).
/// </summary>
public static class MsgPackText
{
    // Bytes a JSON string carries unchanged: printable ASCII except the quote and the backslash.
    private static readonly SearchValues<byte> JsonPlain = SearchValues.Create(
        Enumerable.Range(0x20, 0x7f - 0x20).Where(b => b != '"' && b != '\\').Select(b => (byte)b).ToArray());

    // Bytes msgpack_object_print shows unchanged inside binary and ext values: isprint() except the quote.
    private static readonly SearchValues<byte> PrintPlain = SearchValues.Create(
        Enumerable.Range(0x20, 0x7f - 0x20).Where(b => b != '"').Select(b => (byte)b).ToArray());

    private const string HexDigits = "0123456789abcdef";

    /// <summary>Writes one value as msgpack_object_print does.</summary>
    public static void WriteFluent(ref MessagePackReader reader, MsgPackTextBuffer output)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                output.AppendAscii("nil"u8);
                break;
            case MessagePackType.Boolean:
                output.AppendAscii(reader.ReadBoolean() ? "true"u8 : "false"u8);
                break;
            case MessagePackType.Integer:
                WriteInteger(ref reader, output);
                break;
            case MessagePackType.Float:
                WritePrintfFixed(reader.ReadDouble(), output);
                break;
            case MessagePackType.String:
                // Strings are written as they are, without escaping.
                output.Append('"');
                output.AppendUtf8(ReadStringBytes(ref reader));
                output.Append('"');
                break;
            case MessagePackType.Binary:
                output.Append('"');
                WritePrintEscaped(Contiguous(reader.ReadBytes()!.Value), output);
                output.Append('"');
                break;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                output.AppendAscii("(ext: "u8);
                output.AppendFormatted((int)header.TypeCode);
                output.AppendAscii(")\""u8);
                WritePrintEscaped(Contiguous(reader.ReadRaw(header.Length)), output);
                output.Append('"');
                break;
            case MessagePackType.Array:
                int items = reader.ReadArrayHeader();
                output.Append('[');
                for (int i = 0; i < items; i++)
                {
                    if (i > 0) output.AppendAscii(", "u8);
                    WriteFluent(ref reader, output);
                }
                output.Append(']');
                break;
            case MessagePackType.Map:
                int pairs = reader.ReadMapHeader();
                output.Append('{');
                for (int i = 0; i < pairs; i++)
                {
                    if (i > 0) output.AppendAscii(", "u8);
                    WriteFluent(ref reader, output);
                    output.AppendAscii("=>"u8);
                    WriteFluent(ref reader, output);
                }
                output.Append('}');
                break;
            default:
                throw new FormatException($"msgpack code 0x{reader.NextCode:x2} is not a value");
        }
    }

    /// <summary>Writes one value as JSON, as flb_pack.c's msgpack2json does.</summary>
    public static void WriteJson(ref MessagePackReader reader, MsgPackTextBuffer output)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                output.AppendAscii("null"u8);
                break;
            case MessagePackType.Boolean:
                output.AppendAscii(reader.ReadBoolean() ? "true"u8 : "false"u8);
                break;
            case MessagePackType.Integer:
                WriteInteger(ref reader, output);
                break;
            case MessagePackType.Float:
                WriteJsonDouble(reader.ReadDouble(), output);
                break;
            case MessagePackType.String:
                WriteJsonString(ReadStringBytes(ref reader), output);
                break;
            case MessagePackType.Binary:
                WriteJsonString(Contiguous(reader.ReadBytes()!.Value), output);
                break;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                output.Append('"');
                foreach (byte b in Contiguous(reader.ReadRaw(header.Length)))
                {
                    // Fluent Bit formats the byte as a signed char, so 0x80 and up print as \xffffff80.
                    output.AppendAscii(b >= 0x80 ? "\\xffffff"u8 : "\\x"u8);
                    output.Append(HexDigits[b >> 4]);
                    output.Append(HexDigits[b & 0xf]);
                }
                output.Append('"');
                break;
            case MessagePackType.Array:
                int items = reader.ReadArrayHeader();
                output.Append('[');
                for (int i = 0; i < items; i++)
                {
                    if (i > 0) output.Append(',');
                    WriteJson(ref reader, output);
                }
                output.Append(']');
                break;
            case MessagePackType.Map:
                int pairs = reader.ReadMapHeader();
                output.Append('{');
                WriteJsonMembers(ref reader, pairs, output, first: true);
                output.Append('}');
                break;
            default:
                throw new FormatException($"msgpack code 0x{reader.NextCode:x2} is not a value");
        }
    }

    /// <summary>
    /// Writes the next <paramref name="pairs"/> key/value pairs of a map as JSON members, without braces,
    /// leaving out a string key that appears again later in the map. Returns false when nothing was
    /// written and <paramref name="first"/> was true (so the caller knows whether a comma is due).
    /// </summary>
    public static bool WriteJsonMembers(ref MessagePackReader reader, int pairs, MsgPackTextBuffer output, bool first)
    {
        // Repeated keys are rare: one cheap pass rules them out before the exact per-key check.
        bool mayRepeat = pairs > 1 && MayHaveRepeatedKeys(reader, pairs);
        for (int i = 0; i < pairs; i++)
        {
            if (mayRepeat && i + 1 < pairs && IsShadowed(reader, pairs - i - 1))
            {
                reader.Skip();
                reader.Skip();
                continue;
            }
            if (!first) output.Append(',');
            first = false;
            WriteJson(ref reader, output);
            output.Append(':');
            WriteJson(ref reader, output);
        }
        return !first;
    }

    /// <summary>Whether the msgpack map <paramref name="map"/> has the string key <paramref name="key"/>.</summary>
    public static bool MapHasStringKey(ReadOnlyMemory<byte> map, ReadOnlySpan<byte> key)
    {
        var reader = new MessagePackReader(map);
        return HasStringKey(ref reader, reader.ReadMapHeader(), key);
    }

    /// <summary>Writes UTF-8 bytes as a quoted JSON string, escaped as Fluent Bit's flb_utils_write_str does.</summary>
    public static void WriteJsonString(ReadOnlySpan<byte> utf8, MsgPackTextBuffer output)
    {
        output.Append('"');
        Span<char> units = stackalloc char[2];
        int i = 0;
        while (i < utf8.Length)
        {
            int plain = utf8[i..].IndexOfAnyExcept(JsonPlain);
            if (plain < 0)
            {
                output.AppendAscii(utf8[i..]);
                break;
            }
            output.AppendAscii(utf8.Slice(i, plain));
            i += plain;

            byte b = utf8[i];
            if (b < 0x80)
            {
                WriteJsonEscape(b, output);
                i++;
                continue;
            }

            // Fluent Bit sizes a sequence by its lead byte and drops a lead byte whose sequence is cut short.
            int expected = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf8 ? 4 : b < 0xfc ? 5 : 6;
            if (i + expected > utf8.Length)
            {
                i++;
                continue;
            }
            if (Rune.DecodeFromUtf8(utf8[i..], out var rune, out int consumed) == OperationStatus.Done)
            {
                int count = rune.EncodeToUtf16(units);
                for (int u = 0; u < count; u++) WriteUnicodeEscape(units[u], output);
            }
            else
            {
                // Invalid bytes map to the private-use characters U+E000 + byte, written unescaped.
                for (int k = 0; k < consumed; k++) output.Append((char)(0xe000 | utf8[i + k]));
            }
            i += consumed;
        }
        output.Append('"');
    }

    /// <summary>A double as msgpack2json prints it: <c>%.1f</c> when it holds an integer, else <c>%.16g</c>.</summary>
    public static void WriteJsonDouble(double value, MsgPackTextBuffer output)
    {
        // The range is that of C's (long long) cast, which the integer test goes through.
        if (value >= -9223372036854775808.0 && value < 9223372036854775808.0 && value == Math.Truncate(value))
        {
            output.AppendFormatted(value, "F1");
        }
        else if (!double.IsFinite(value))
        {
            WriteNonFinite(value, output);
        }
        else
        {
            int before = output.Length;
            output.AppendFormatted(value, "G16");
            var text = output.Tail(output.Length - before);
            int e = text.IndexOf('E');
            if (e >= 0) text[e] = 'e';
        }
    }

    /// <summary>A double as C's <c>%f</c> prints it (six decimals, exact digits, ties to even).</summary>
    public static void WritePrintfFixed(double value, MsgPackTextBuffer output)
    {
        if (double.IsFinite(value)) output.AppendFormatted(value, "F6");
        else WriteNonFinite(value, output);
    }

    private static void WriteNonFinite(double value, MsgPackTextBuffer output)
    {
        bool negative = BitConverter.DoubleToInt64Bits(value) < 0;
        if (negative) output.Append('-');
        output.AppendAscii(double.IsNaN(value) ? "nan"u8 : "inf"u8);
    }

    private static void WriteInteger(ref MessagePackReader reader, MsgPackTextBuffer output)
    {
        if (reader.NextCode == MessagePackCode.UInt64) output.AppendFormatted(reader.ReadUInt64());
        else output.AppendFormatted(reader.ReadInt64());
    }

    private static void WriteJsonEscape(byte b, MsgPackTextBuffer output)
    {
        switch (b)
        {
            case (byte)'"': output.AppendAscii("\\\""u8); break;
            case (byte)'\\': output.AppendAscii("\\\\"u8); break;
            case (byte)'\n': output.AppendAscii("\\n"u8); break;
            case (byte)'\r': output.AppendAscii("\\r"u8); break;
            case (byte)'\t': output.AppendAscii("\\t"u8); break;
            case (byte)'\b': output.AppendAscii("\\b"u8); break;
            case (byte)'\f': output.AppendAscii("\\f"u8); break;
            default: WriteUnicodeEscape((char)b, output); break; // other controls and DEL
        }
    }

    private static void WriteUnicodeEscape(char c, MsgPackTextBuffer output)
    {
        output.AppendAscii("\\u"u8);
        output.Append(HexDigits[c >> 12]);
        output.Append(HexDigits[(c >> 8) & 0xf]);
        output.Append(HexDigits[(c >> 4) & 0xf]);
        output.Append(HexDigits[c & 0xf]);
    }

    private static void WritePrintEscaped(ReadOnlySpan<byte> bytes, MsgPackTextBuffer output)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            int plain = bytes[i..].IndexOfAnyExcept(PrintPlain);
            if (plain < 0)
            {
                output.AppendAscii(bytes[i..]);
                return;
            }
            output.AppendAscii(bytes.Slice(i, plain));
            i += plain;
            byte b = bytes[i++];
            if (b == '"')
            {
                output.AppendAscii("\\\""u8);
            }
            else
            {
                output.AppendAscii("\\x"u8);
                output.Append(HexDigits[b >> 4]);
                output.Append(HexDigits[b & 0xf]);
            }
        }
    }

    // The reader is a copy positioned at the first key. Compares fingerprints of the string keys, so a
    // false answer is certain and a true one is checked key by key.
    private static bool MayHaveRepeatedKeys(MessagePackReader reader, int pairs)
    {
        const int StackLimit = 64;
        Span<ulong> seen = pairs <= StackLimit ? stackalloc ulong[StackLimit] : default;
        HashSet<ulong>? large = pairs <= StackLimit ? null : new HashSet<ulong>(pairs);
        int count = 0;
        for (int i = 0; i < pairs; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                reader.Skip();
                reader.Skip();
                continue;
            }
            ulong fingerprint = Fingerprint(ReadStringBytes(ref reader));
            reader.Skip();
            if (large is not null)
            {
                if (!large.Add(fingerprint)) return true;
                continue;
            }
            if (seen[..count].Contains(fingerprint)) return true;
            seen[count++] = fingerprint;
        }
        return false;
    }

    private static ulong Fingerprint(ReadOnlySpan<byte> key)
    {
        ulong hash = 14695981039346656037; // FNV-1a
        foreach (byte b in key) hash = (hash ^ b) * 1099511628211;
        return hash;
    }

    // The reader is a copy positioned at a key: is that key a string that appears again in the later pairs?
    private static bool IsShadowed(MessagePackReader reader, int laterPairs)
    {
        if (reader.NextMessagePackType != MessagePackType.String) return false;
        var key = ReadStringBytes(ref reader);
        reader.Skip();
        return HasStringKey(ref reader, laterPairs, key);
    }

    private static bool HasStringKey(ref MessagePackReader reader, int pairs, scoped ReadOnlySpan<byte> key)
    {
        for (int j = 0; j < pairs; j++)
        {
            if (reader.NextMessagePackType == MessagePackType.String)
            {
                if (ReadStringBytes(ref reader).SequenceEqual(key)) return true;
            }
            else
            {
                reader.Skip();
            }
            reader.Skip();
        }
        return false;
    }

    private static ReadOnlySpan<byte> ReadStringBytes(ref MessagePackReader reader) =>
        reader.TryReadStringSpan(out var span) ? span : Contiguous(reader.ReadStringSequence()!.Value);

    private static ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();
}
