using System.Buffers;
using System.Text;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.Http;

/// <summary>The record keys GELF gives a meaning (gelf_*_key), each defaulting to GELF's own name.</summary>
public sealed record GelfFields(string HostKey = "host", string ShortMessageKey = "short_message", string TimestampKey = "timestamp",
    string LevelKey = "level", string FullMessageKey = "full_message");

/// <summary>
/// One record as a GELF 1.1 object, as Fluent Bit's flb_msgpack_to_gelf writes it: "version" first,
/// the mapped keys renamed, other keys prefixed with '_', nested maps flattened with '_', arrays
/// as a quoted "a, b" string, nil values left out, strings quoted and numbers bare, the record time
/// as seconds.millis when no timestamp key is present. A record without the short message key
/// cannot be sent (Fluent Bit: "missing short_message key").
/// </summary>
public sealed class GelfFormatter(GelfFields fields)
{
    private static readonly string[] Levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    /// <summary>Appends the record; returns null, or why it cannot be formatted.</summary>
    public string? Append(MsgPackTextBuffer output, in EventSlice e)
    {
        var reader = new MessagePackReader(e.Body);
        if (reader.NextMessagePackType != MessagePackType.Map) return "the record is not a map";
        int start = output.Length;
        output.AppendAscii("{\"version\":\"1.1\""u8);
        bool host = false, shortMessage = false, timestamp = false, level = false, fullMessage = false;
        int pairs = reader.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            if (reader.NextMessagePackType is not (MessagePackType.String or MessagePackType.Binary)) { reader.Skip(); reader.Skip(); continue; }
            string key = ReadText(ref reader);
            bool custom = false;
            if (key == fields.HostKey) { if (host) { reader.Skip(); continue; } host = true; key = "host"; }
            else if (key == fields.ShortMessageKey) { if (shortMessage) { reader.Skip(); continue; } shortMessage = true; key = "short_message"; }
            else if (key == fields.TimestampKey) { if (timestamp) { reader.Skip(); continue; } timestamp = true; key = "timestamp"; }
            else if (key == fields.LevelKey)
            {
                if (level) { reader.Skip(); continue; }
                level = true;
                key = "level";
                if (reader.NextMessagePackType == MessagePackType.String)
                {
                    var copy = reader;
                    string text = copy.ReadString()!;
                    int n = text.Length == 1 && text[0] is >= '0' and <= '7' ? text[0] - '0' : Array.FindIndex(Levels, l => l.Equals(text, StringComparison.OrdinalIgnoreCase));
                    if (n >= 0)
                    {
                        reader.Skip();
                        Key(output, null, false, key);
                        output.AppendFormatted(n);
                        continue;
                    }
                }
                else if (reader.NextMessagePackType != MessagePackType.Integer) return "level must be a non-negative integer or a string";
            }
            else if (key == fields.FullMessageKey) { if (fullMessage) { reader.Skip(); continue; } fullMessage = true; key = "full_message"; }
            else if (key == "id") { reader.Skip(); continue; }
            else custom = true;

            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    Flatten(output, ref reader, "_" + key, inArray: false);
                    break;
                case MessagePackType.Array:
                    Key(output, custom ? "_" : null, false, key);
                    Flatten(output, ref reader, null, inArray: false);
                    break;
                case MessagePackType.Nil:
                    reader.Skip();
                    break;
                default:
                    Key(output, custom ? "_" : null, false, key);
                    Scalar(output, ref reader, quoteAll: false);
                    break;
            }
        }
        if (!timestamp)
        {
            Key(output, null, false, "timestamp");
            output.AppendFormatted((long)e.Time.Seconds);
            output.Append('.');
            output.AppendFormatted(e.Time.Nanoseconds / 1_000_000, "D3");
        }
        if (!shortMessage)
        {
            output.Truncate(start);
            return $"missing {fields.ShortMessageKey} key";
        }
        output.Append('}');
        return null;
    }

    // A top-level (or flattened) field: ', "prefix_key":' with every byte outside [A-Za-z0-9._-] as '_'.
    private static void Key(MsgPackTextBuffer output, string? prefix, bool concat, string key, bool inArray = false)
    {
        if (!inArray) output.AppendAscii(", \""u8);
        if (prefix is not null) AppendSanitised(output, prefix);
        if (concat) output.Append('_');
        AppendSanitised(output, key);
        if (inArray) output.Append('=');
        else output.AppendAscii("\":"u8);
    }

    private static void AppendSanitised(MsgPackTextBuffer output, string text)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            output.Append(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'-' or (byte)'.' ? (char)b : '_');
    }

    private static void Flatten(MsgPackTextBuffer output, ref MessagePackReader reader, string? prefix, bool inArray)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                int count = reader.ReadArrayHeader();
                if (!inArray) output.Append('"');
                for (int i = 0; i < count; i++)
                {
                    if (i > 0) output.AppendAscii(", "u8);
                    Flatten(output, ref reader, prefix, inArray: true);
                }
                if (!inArray) output.Append('"');
                break;
            case MessagePackType.Map:
                int pairs = reader.ReadMapHeader();
                for (int i = 0; i < pairs; i++)
                {
                    if (reader.NextMessagePackType != MessagePackType.String) { reader.Skip(); reader.Skip(); continue; }
                    string key = reader.ReadString()!;
                    if (reader.NextMessagePackType == MessagePackType.Map)
                    {
                        Flatten(output, ref reader, prefix is { Length: > 0 } ? prefix + "_" + key : key, inArray);
                        continue;
                    }
                    if (inArray && i > 0) output.Append(' ');
                    if (inArray && string.IsNullOrEmpty(prefix)) Key(output, null, false, key, inArray: true);
                    else Key(output, prefix, true, key, inArray);
                    Flatten(output, ref reader, null, inArray);
                }
                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                output.AppendAscii("null"u8);
                break;
            default:
                Scalar(output, ref reader, quoteAll: !inArray, quoteStrings: !inArray);
                break;
        }
    }

    // Strings and booleans are quoted (flatten quotes them only outside arrays); numbers are bare; ext bytes as \xNN.
    private static void Scalar(MsgPackTextBuffer output, ref MessagePackReader reader, bool quoteAll, bool quoteStrings = true)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Boolean:
                bool value = reader.ReadBoolean();
                if (quoteStrings) output.Append('"');
                output.AppendAscii(value ? "true"u8 : "false"u8);
                if (quoteStrings) output.Append('"');
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64) output.AppendFormatted(reader.ReadUInt64());
                else output.AppendFormatted(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                MsgPackText.WritePrintfFixed(reader.ReadDouble(), output);
                break;
            case MessagePackType.String:
            case MessagePackType.Binary:
                var bytes = reader.NextMessagePackType == MessagePackType.String ? reader.ReadStringSequence() : reader.ReadBytes();
                var span = bytes is { } b ? b.ToArray() : [];
                if (quoteStrings) MsgPackText.WriteJsonString(span, output);
                else AppendUnquoted(output, span);
                break;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                var raw = reader.ReadRaw(header.Length).ToArray();
                if (quoteStrings) output.Append('"');
                foreach (byte x in raw) { output.AppendAscii("\\x"u8); output.AppendFormatted(x, "x2"); }
                if (quoteStrings) output.Append('"');
                break;
            default:
                reader.Skip();
                break;
        }
    }

    // Inside an array Fluent Bit writes a string's escaped text without quotes.
    private static void AppendUnquoted(MsgPackTextBuffer output, byte[] utf8)
    {
        var scratch = new MsgPackTextBuffer(utf8.Length + 8);
        MsgPackText.WriteJsonString(utf8, scratch);
        output.Append(scratch.Span[1..^1]);
    }

    private static string ReadText(ref MessagePackReader reader) =>
        reader.NextMessagePackType == MessagePackType.String ? reader.ReadString()! : Encoding.UTF8.GetString(reader.ReadBytes()!.Value.ToArray());
}
