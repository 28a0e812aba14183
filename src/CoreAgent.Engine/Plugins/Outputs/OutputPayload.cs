using System.Text;
using CoreAgent.Engine.Plugins.Outputs.Http;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>The <c>format</c> of the http and tcp outputs.</summary>
public enum PayloadFormat { Msgpack, Json, JsonLines, JsonStream, Gelf }

/// <summary>
/// Turns a chunk into the payload Fluent Bit's out_http and out_tcp send: the chunk's own msgpack, JSON as
/// flb_pack_msgpack_to_json_format writes it (the stdout output's JSON without the newline stdout
/// adds), or one GELF object per record, each followed by a newline.
/// </summary>
public sealed class OutputPayload
{
    private readonly StdoutFormatter? _json;
    private readonly GelfFormatter? _gelf;

    public OutputPayload(PayloadFormat format, string? dateKey, JsonDateFormat dateFormat, GelfFields gelf)
    {
        Format = format;
        _json = format switch
        {
            PayloadFormat.Json => new StdoutFormatter(StdoutFormat.Json, dateKey, dateFormat),
            PayloadFormat.JsonLines => new StdoutFormatter(StdoutFormat.JsonLines, dateKey, dateFormat),
            PayloadFormat.JsonStream => new StdoutFormatter(StdoutFormat.JsonStream, dateKey, dateFormat),
            _ => null,
        };
        if (format == PayloadFormat.Gelf) _gelf = new GelfFormatter(gelf);
    }

    public PayloadFormat Format { get; }

    public string ContentType => Format switch
    {
        PayloadFormat.Msgpack => "application/msgpack",
        PayloadFormat.JsonLines => "application/x-ndjson",
        _ => "application/json",
    };

    public static bool TryParse(string value, out PayloadFormat format)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "msgpack": format = PayloadFormat.Msgpack; return true;
            case "json": format = PayloadFormat.Json; return true;
            case "json_lines": format = PayloadFormat.JsonLines; return true;
            case "json_stream": format = PayloadFormat.JsonStream; return true;
            case "gelf": format = PayloadFormat.Gelf; return true;
            default: format = PayloadFormat.Msgpack; return false;
        }
    }

    /// <summary>The body for <paramref name="events"/>; throws <see cref="FormatException"/> for a chunk that cannot be formatted.</summary>
    public byte[] Compose(string tag, ReadOnlyMemory<byte> events)
    {
        if (Format == PayloadFormat.Msgpack) return events.ToArray();
        var text = new MsgPackTextBuffer(events.Length * 2 + 64);
        if (_json is not null)
        {
            if (_json.Append(text, tag, events) is { } error) throw new FormatException(error);
            // stdout ends json and json_stream with a newline of its own; the payload has none.
            if (Format is PayloadFormat.Json or PayloadFormat.JsonStream && text.Length > 0 && text.Span[^1] == '\n') text.Truncate(text.Length - 1);
        }
        else
        {
            foreach (var e in EventReader.ReadAll(events))
            {
                if (_gelf!.Append(text, e) is { } error) throw new FormatException($"error encoding to GELF: {error}");
                text.Append('\n');
            }
        }
        return Encoding.UTF8.GetBytes(text.Span.ToArray());
    }
}
