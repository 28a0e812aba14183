using System.Buffers;
using System.Text.Json;
using MessagePack;

namespace CoreAgent.Engine.Records;

/// <summary>What <see cref="JsonPacker.TryPack"/> found at the start of its input.</summary>
public enum JsonPackStatus { Packed, NeedMore, Empty }

/// <summary>
/// Converts JSON bytes to msgpack one top-level value at a time, straight from a network buffer: a
/// first pass counts each object's and array's members (msgpack needs them up front), a second
/// writes. Integers stay integers, other numbers become float64, as Fluent Bit's flb_pack_json.
/// Reuse one instance per connection; it keeps its scratch lists.
/// </summary>
public sealed class JsonPacker
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64 };

    private readonly List<int> _counts = [];
    private readonly Stack<int> _open = new();
    private byte[] _scratch = new byte[256];

    /// <summary>
    /// Packs the first JSON value of <paramref name="json"/> into <paramref name="output"/>.
    /// <paramref name="consumed"/> covers the value and the white space before it. With
    /// <paramref name="final"/> false an incomplete value is <see cref="JsonPackStatus.NeedMore"/>; with
    /// it true, an error. Throws <see cref="JsonException"/> for bytes that are not JSON.
    /// </summary>
    public JsonPackStatus TryPack(ReadOnlySequence<byte> json, IBufferWriter<byte> output, bool final, out long consumed)
    {
        consumed = SkipWhiteSpace(json);
        json = json.Slice(consumed);
        if (json.IsEmpty) return JsonPackStatus.Empty;
        _counts.Clear();
        _open.Clear();
        var count = new Utf8JsonReader(json, final, new JsonReaderState(Options));
        if (!Count(ref count)) return JsonPackStatus.NeedMore;
        long length = count.BytesConsumed;
        var write = new Utf8JsonReader(json.Slice(0, length), true, new JsonReaderState(Options));
        var writer = new MessagePackWriter(output);
        int next = 0;
        write.Read();
        Write(ref write, ref writer, ref next);
        writer.Flush();
        consumed += length;
        return JsonPackStatus.Packed;
    }

    /// <summary>Packs every value of a complete body; returns how many.</summary>
    public int PackAll(ReadOnlyMemory<byte> json, IBufferWriter<byte> output)
    {
        var rest = new ReadOnlySequence<byte>(json);
        int values = 0;
        while (TryPack(rest, output, true, out long consumed) == JsonPackStatus.Packed)
        {
            values++;
            rest = rest.Slice(consumed);
        }
        return values;
    }

    // The first pass: false when the value is not complete yet.
    private bool Count(ref Utf8JsonReader reader)
    {
        while (true)
        {
            if (!reader.Read()) return false;
            var token = reader.TokenType;
            if (token == JsonTokenType.PropertyName)
            {
                _counts[~_open.Peek()]++;
                continue;
            }
            if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                _open.Pop();
            }
            else
            {
                if (_open.Count > 0 && _open.Peek() >= 0) _counts[_open.Peek()]++;
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    // An open object is pushed as ~index (negative), an array as its index.
                    _counts.Add(0);
                    _open.Push(token == JsonTokenType.StartObject ? ~(_counts.Count - 1) : _counts.Count - 1);
                    continue;
                }
            }
            if (_open.Count == 0) return true;
        }
    }

    private void Write(ref Utf8JsonReader reader, ref MessagePackWriter writer, ref int next)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                writer.WriteMapHeader(_counts[next++]);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    WriteString(ref reader, ref writer);
                    reader.Read();
                    Write(ref reader, ref writer, ref next);
                }
                break;
            case JsonTokenType.StartArray:
                writer.WriteArrayHeader(_counts[next++]);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) Write(ref reader, ref writer, ref next);
                break;
            case JsonTokenType.String:
                WriteString(ref reader, ref writer);
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

    private void WriteString(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            writer.WriteString(reader.ValueSpan);
            return;
        }
        long max = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_scratch.Length < max) _scratch = new byte[Math.Max(max, _scratch.Length * 2)];
        int length = reader.CopyString(_scratch);
        writer.WriteString(_scratch.AsSpan(0, length));
    }

    private static long SkipWhiteSpace(in ReadOnlySequence<byte> data)
    {
        var reader = new SequenceReader<byte>(data);
        return reader.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n');
    }
}
