using System.Buffers.Text;
using System.Globalization;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Parsers;

public enum FieldType { String, Integer, Float, Bool, Hex }

/// <summary>
/// A parser's Types ("key:type key:type"), applied as flb_parser_typecast does: integer is atoll
/// (leading digits, 0 when none), hex is strtoull base 16, float is atof, bool takes a value that
/// starts with "true" or "false" (any case) and otherwise keeps the string with a warning.
/// </summary>
public sealed class FieldTypes
{
    private readonly (byte[] Key, FieldType Type)[] _entries;

    private FieldTypes((byte[], FieldType)[] entries) => _entries = entries;

    public static FieldTypes Empty { get; } = new([]);

    public bool IsEmpty => _entries.Length == 0;

    /// <summary>Reads the Types value; <paramref name="problems"/> gets entries Fluent Bit would silently treat as strings.</summary>
    public static FieldTypes Parse(string text, List<string> problems)
    {
        var entries = new List<(byte[], FieldType)>();
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = item.IndexOf(':');
            if (colon < 0)
            {
                problems.Add($"Types entry '{item}' has no ':type'; it is ignored");
                continue;
            }
            var name = item[(colon + 1)..];
            FieldType type;
            switch (name.ToLowerInvariant())
            {
                case "integer": type = FieldType.Integer; break;
                case "bool": type = FieldType.Bool; break;
                case "float": type = FieldType.Float; break;
                case "hex": type = FieldType.Hex; break;
                case "string": type = FieldType.String; break;
                default:
                    problems.Add($"Types entry '{item}': unknown type '{name}' (integer, float, bool, hex, string); the value stays a string");
                    type = FieldType.String;
                    break;
            }
            entries.Add((Encoding.UTF8.GetBytes(item[..colon]), type));
        }
        return new FieldTypes([.. entries]);
    }

    /// <summary>The type configured for a key, or null (the value stays a string).</summary>
    public FieldType? Find(ReadOnlySpan<byte> key)
    {
        foreach (var (name, type) in _entries)
            if (key.SequenceEqual(name)) return type;
        return null;
    }

    /// <summary>Writes the value as its type; false when a bool did not cast (the caller warns; the string was written).</summary>
    public static bool WriteValue(ref MessagePackWriter writer, FieldType type, scoped ReadOnlySpan<byte> value)
    {
        switch (type)
        {
            case FieldType.Integer:
                writer.Write(AtoLL(value));
                return true;
            case FieldType.Hex:
                writer.Write(StrToULL16(value));
                return true;
            case FieldType.Float:
                writer.Write(AtoF(value));
                return true;
            case FieldType.Bool:
                if (value.Length >= 4 && Ascii.EqualsIgnoreCase(value[..4], "true"u8)) { writer.Write(true); return true; }
                if (value.Length >= 5 && Ascii.EqualsIgnoreCase(value[..5], "false"u8)) { writer.Write(false); return true; }
                MsgPack.WriteUtf8(ref writer, value);
                return false;
            default:
                MsgPack.WriteUtf8(ref writer, value);
                return true;
        }
    }

    private static int SkipSpace(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        return i;
    }

    /// <summary>atoll: optional space and sign, then digits; saturates like glibc's strtoll.</summary>
    internal static long AtoLL(ReadOnlySpan<byte> s)
    {
        int i = SkipSpace(s);
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        ulong magnitude = 0;
        bool overflow = false;
        for (; i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            if (magnitude > (ulong.MaxValue - 9) / 10) { overflow = true; continue; }
            magnitude = magnitude * 10 + (ulong)(s[i] - '0');
        }
        if (negative) return overflow || magnitude > 9_223_372_036_854_775_808UL ? long.MinValue : (long)(0 - magnitude);
        return overflow || magnitude > long.MaxValue ? long.MaxValue : (long)magnitude;
    }

    /// <summary>strtoull(s, NULL, 16): optional space, sign and 0x; saturates at ulong.MaxValue; a minus negates.</summary>
    internal static ulong StrToULL16(ReadOnlySpan<byte> s)
    {
        int i = SkipSpace(s);
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x' && i + 2 < s.Length && IsHex(s[i + 2])) i += 2;
        ulong value = 0;
        bool overflow = false;
        for (; i < s.Length && IsHex(s[i]); i++)
        {
            if (value > ulong.MaxValue >> 4) { overflow = true; continue; }
            value = (value << 4) | (ulong)(uint)HexValue(s[i]);
        }
        if (overflow) return ulong.MaxValue;
        return negative ? 0 - value : value;
    }

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>atof: the longest decimal prefix (space, sign, digits, fraction, exponent), inf and nan; 0 when none.</summary>
    internal static double AtoF(ReadOnlySpan<byte> s)
    {
        int start = SkipSpace(s), i = start;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') i++;
        var rest = s[i..];
        if (rest.Length >= 3 && (Ascii.EqualsIgnoreCase(rest[..3], "inf"u8) || Ascii.EqualsIgnoreCase(rest[..3], "nan"u8)))
        {
            bool nan = (char)(rest[0] | 0x20) == 'n';
            bool minus = i > start && s[start] == '-';
            return nan ? double.NaN : minus ? double.NegativeInfinity : double.PositiveInfinity;
        }
        int digits = 0;
        while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9') { i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9') { i++; digits++; }
        }
        if (digits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            int e = i + 1;
            if (e < s.Length && s[e] is (byte)'+' or (byte)'-') e++;
            if (e < s.Length && s[e] is >= (byte)'0' and <= (byte)'9')
            {
                while (e < s.Length && s[e] is >= (byte)'0' and <= (byte)'9') e++;
                i = e;
            }
        }
        var number = s[start..i];
        if (Utf8Parser.TryParse(number, out double value, out int consumed) && consumed == number.Length) return value;
        return double.Parse(Encoding.ASCII.GetString(number), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
