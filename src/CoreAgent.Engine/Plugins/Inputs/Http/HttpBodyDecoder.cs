using System.Buffers;
using System.Text;
using System.Text.Json;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Http;

/// <summary>
/// Turns one request body into records, as Fluent Bit's in_http: JSON (application/json) or
/// form fields (application/x-www-form-urlencoded), plus msgpack (application/msgpack, a CoreAgent
/// addition). A map is a record, an array's maps are records. The whole body is checked before
/// anything is written, so a 400 never leaves half a request in the pipeline.
/// </summary>
internal sealed class HttpBodyDecoder(string? tagKey, int maxBytes)
{
    private const int MaxCachedTags = 1024;

    private readonly JsonPacker _json = new();
    private readonly ArrayBufferWriter<byte> _packed = new();
    private readonly ArrayBufferWriter<byte> _inflated = new();
    private readonly byte[]? _tagKey = tagKey is null ? null : Encoding.UTF8.GetBytes(tagKey);
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly List<(int Start, int Length)> _records = [];

    /// <summary>Records skipped because they were not maps, and tag_key misses (for the log).</summary>
    public long Skipped { get; private set; }
    public long TagKeyMissing { get; private set; }

    public void ResetCounts() => Skipped = TagKeyMissing = 0;

    /// <summary>Returns the 400 body to answer, or null when the records were written.</summary>
    public string? Decode(string? contentType, string? contentEncoding, ReadOnlyMemory<byte> body, string tag, TaggedEmitter emitter, out string? why)
    {
        why = null;
        if (contentType is null) return "error: header 'Content-Type' is not set\n";
        var kind = KindOf(contentType);
        if (kind is null) { why = $"Content-Type '{contentType}' is not supported"; return "error: invalid 'Content-Type'\n"; }
        if (body.IsEmpty) return "error: no payload found\n";
        if (contentEncoding is not null)
        {
            if (!contentEncoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                why = $"Content-Encoding '{contentEncoding}' is not supported (only gzip)";
                return "error: unsupported 'Content-Encoding'\n";
            }
            _inflated.Clear();
            try { Gzip.Decompress(body, _inflated, maxBytes); }
            catch (InvalidDataException ex) { why = ex.Message; return "error: invalid payload\n"; }
            body = _inflated.WrittenMemory;
        }
        _packed.Clear();
        try
        {
            switch (kind)
            {
                case BodyKind.Json: _json.PackAll(body, _packed); break;
                case BodyKind.MsgPack: _packed.Write(body.Span); break;
                default: FormFields(body.Span, _packed); break;
            }
            if (!Collect(_packed.WrittenMemory, out why)) return "error: invalid payload\n";
        }
        catch (JsonException ex)
        {
            why = $"invalid JSON: {ex.Message}";
            return "error: invalid payload\n";
        }
        catch (FormatException ex)
        {
            why = $"invalid msgpack: {ex.Message}";
            return "error: invalid payload\n";
        }
        catch (ArgumentOutOfRangeException)
        {
            // MessagePackReader.Skip on a length of 2^31 or more.
            why = "invalid msgpack: a length in the body is larger than the body";
            return "error: invalid payload\n";
        }
        var time = EventTime.Now();
        var packed = _packed.WrittenMemory;
        using var batch = emitter.BeginBatch();
        foreach (var (start, length) in _records)
        {
            var record = packed.Slice(start, length);
            batch.Write(TagOf(record, tag), time, EventEncoder.EmptyMap, record.Span);
        }
        return null;
    }

    // Finds the records: each top-level map, and the maps of a top-level array.
    private bool Collect(ReadOnlyMemory<byte> packed, out string? why)
    {
        why = null;
        _records.Clear();
        int offset = 0;
        while (offset < packed.Length)
        {
            int length = MsgPackFraming.Measure(packed[offset..]);
            var reader = new MessagePackReader(packed.Slice(offset, length));
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    _records.Add((offset, length));
                    break;
                case MessagePackType.Array:
                    int count = reader.ReadArrayHeader();
                    for (int i = 0; i < count; i++)
                    {
                        int start = offset + (int)reader.Consumed;
                        bool isMap = reader.NextMessagePackType == MessagePackType.Map;
                        reader.Skip();
                        if (isMap) _records.Add((start, offset + (int)reader.Consumed - start));
                        else Skipped++;
                    }
                    // Fluent Bit's in_http stops after a top-level array; what follows it is not read.
                    return true;
                default:
                    why = $"a top-level {reader.NextMessagePackType} is not a record (a map or an array of maps)";
                    return false;
            }
            offset += length;
        }
        return true;
    }

    private string TagOf(ReadOnlyMemory<byte> record, string fallback)
    {
        if (_tagKey is null) return fallback;
        var reader = new MessagePackReader(record);
        int pairs = reader.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var key))
            {
                if (!key.SequenceEqual(_tagKey)) { reader.Skip(); continue; }
                if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var value)) return Intern(value);
                break;
            }
            reader.Skip();
            reader.Skip();
        }
        TagKeyMissing++;
        return fallback;
    }

    /// <summary>One string per tag, so that records of one tag share a chunk; bounded against a peer that invents tags.</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        string text = Encoding.UTF8.GetString(utf8);
        if (_tags.TryGetValue(text, out var known)) return known;
        if (_tags.Count >= MaxCachedTags) _tags.Clear();
        _tags[text] = text;
        return text;
    }

    public string Intern(string text) => Intern(Encoding.UTF8.GetBytes(text));

    private static BodyKind? KindOf(string contentType)
    {
        string media = (contentType.IndexOfAny([';', ' ']) is var end and >= 0 ? contentType[..end] : contentType).Trim();
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)) return BodyKind.Json;
        if (media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)) return BodyKind.Form;
        if (media.Equals("application/msgpack", StringComparison.OrdinalIgnoreCase) || media.Equals("application/x-msgpack", StringComparison.OrdinalIgnoreCase)) return BodyKind.MsgPack;
        return null;
    }

    // key=value&key=value into one map; pairs without '=' or with an empty key are skipped, values are URL-decoded.
    private static void FormFields(ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in Encoding.UTF8.GetString(body).Split('&'))
        {
            string field = part.StartsWith('\n') ? part[1..] : part;
            int eq = field.IndexOf('=');
            if (eq <= 0) continue;
            pairs.Add((field[..eq].Trim(), Uri.UnescapeDataString(field[(eq + 1)..].Trim().Replace('+', ' '))));
        }
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(pairs.Count);
        foreach (var (key, value) in pairs)
        {
            writer.Write(key);
            writer.Write(value);
        }
        writer.Flush();
    }

    private enum BodyKind { Json, Form, MsgPack }
}
