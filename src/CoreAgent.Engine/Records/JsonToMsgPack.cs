using System.Buffers;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace CoreAgent.Engine.Records;

/// <summary>
/// Converts JSON text (one value or several concatenated, as Fluent Bit's flb_pack_json accepts)
/// to msgpack: integers stay integers, other numbers become float64.
/// </summary>
public static class JsonToMsgPack
{
    /// <summary>Returns the msgpack encoding of every top-level JSON value, in order.</summary>
    public static List<byte[]> ConvertAll(string json)
    {
        var values = new List<byte[]>();
        ReadOnlySpan<byte> text = Encoding.UTF8.GetBytes(json);
        var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        // One reader per top-level value: a reader stops validating once its value is complete.
        while (!(text = text.TrimStart(" \t\r\n"u8)).IsEmpty)
        {
            var reader = new Utf8JsonReader(text, options);
            if (!reader.Read()) break;
            values.Add(Nested(ref reader));
            text = text[(int)reader.BytesConsumed..];
        }
        return values;
    }

    private static void WriteValue(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<(string Key, byte[] Value)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string key = reader.GetString()!;
                    reader.Read();
                    members.Add((key, Nested(ref reader)));
                }
                writer.WriteMapHeader(members.Count);
                foreach (var (key, value) in members)
                {
                    writer.Write(key);
                    writer.WriteRaw(value);
                }
                break;
            case JsonTokenType.StartArray:
                var items = new List<byte[]>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(Nested(ref reader));
                writer.WriteArrayHeader(items.Count);
                foreach (var item in items) writer.WriteRaw(item);
                break;
            case JsonTokenType.String:
                writer.Write(reader.GetString());
                break;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long signed)) writer.Write(signed);
                else if (reader.TryGetUInt64(out ulong unsigned)) writer.Write(unsigned);
                else writer.Write(reader.GetDouble());
                break;
            case JsonTokenType.True: writer.Write(true); break;
            case JsonTokenType.False: writer.Write(false); break;
            case JsonTokenType.Null: writer.WriteNil(); break;
            default: throw new JsonException($"unexpected JSON token {reader.TokenType}");
        }
    }

    private static byte[] Nested(ref Utf8JsonReader reader)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WriteValue(ref reader, ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
