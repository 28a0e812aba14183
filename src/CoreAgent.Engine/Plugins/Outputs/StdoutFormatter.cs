using System.Text;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>The stdout output's <c>format</c>.</summary>
public enum StdoutFormat { Msgpack, Json, JsonLines, JsonStream }

/// <summary>The stdout output's <c>json_date_format</c>.</summary>
public enum JsonDateFormat { Double, Epoch, EpochMs, Iso8601, JavaSqlTimestamp }

/// <summary>
/// Turns chunk bytes into the text Fluent Bit's stdout output prints, byte for byte:
/// <list type="bullet">
/// <item>msgpack: <c>[n] tag: [[sec.nsec, {meta}], {body}]</c> per record, n counting from 0 in each chunk;</item>
/// <item>json: <c>[{rec},{rec}]</c> and a newline per chunk; json_stream: <c>{rec}{rec}</c> and a newline;
/// json_lines: <c>{rec}</c> and a newline per record.</item>
/// </list>
/// A JSON record is the date key, then <c>"__internal__":{"log_metadata":{...}}</c> when the metadata
/// is not empty (as Fluent Bit 4.0 and later do), then the body's keys.
/// </summary>
public sealed class StdoutFormatter
{
    private static readonly byte[] InternalKey = "__internal__"u8.ToArray();

    private readonly byte[]? _dateKey;

    public StdoutFormatter(StdoutFormat format = StdoutFormat.Msgpack, string? dateKey = "date",
        JsonDateFormat dateFormat = JsonDateFormat.Double)
    {
        Format = format;
        DateKey = dateKey;
        DateFormat = dateFormat;
        _dateKey = dateKey is null ? null : Encoding.UTF8.GetBytes(dateKey);
    }

    public StdoutFormat Format { get; }

    /// <summary>The key of the timestamp in JSON records; null leaves the timestamp out.</summary>
    public string? DateKey { get; }

    public JsonDateFormat DateFormat { get; }

    /// <summary>Reads a <c>format</c> value (case-insensitive, as Fluent Bit).</summary>
    public static bool TryParseFormat(string value, out StdoutFormat format)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "msgpack": format = StdoutFormat.Msgpack; return true;
            case "json": format = StdoutFormat.Json; return true;
            case "json_lines": format = StdoutFormat.JsonLines; return true;
            case "json_stream": format = StdoutFormat.JsonStream; return true;
            default: format = StdoutFormat.Msgpack; return false;
        }
    }

    /// <summary>Reads a <c>json_date_format</c> value; epoch_millis and epoch_milliseconds are aliases of epoch_ms.</summary>
    public static bool TryParseDateFormat(string value, out JsonDateFormat format)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "double": format = JsonDateFormat.Double; return true;
            case "epoch": format = JsonDateFormat.Epoch; return true;
            case "epoch_ms" or "epoch_millis" or "epoch_milliseconds": format = JsonDateFormat.EpochMs; return true;
            case "iso8601": format = JsonDateFormat.Iso8601; return true;
            case "java_sql_timestamp": format = JsonDateFormat.JavaSqlTimestamp; return true;
            default: format = JsonDateFormat.Double; return false;
        }
    }

    /// <summary>Reads a <c>json_date_key</c> value: false, off or no disable the key (null); anything else names it.</summary>
    public static string? ParseDateKey(string value) =>
        value.Trim().ToLowerInvariant() is "false" or "off" or "no" ? null : value;

    /// <summary>The text of the events, as one string.</summary>
    public string FormatChunk(string tag, ReadOnlyMemory<byte> events)
    {
        var output = new MsgPackTextBuffer();
        if (Append(output, tag, events) is { } error) throw new FormatException(error);
        return output.ToString();
    }

    /// <summary>
    /// Appends the text of the events to <paramref name="output"/>. Returns null, or why the events
    /// stopped being readable; the text of the events before that point is still appended (and a
    /// JSON array is still closed), as Fluent Bit prints what it decoded.
    /// </summary>
    public string? Append(MsgPackTextBuffer output, string tag, ReadOnlyMemory<byte> events)
    {
        var reader = new MessagePackReader(events);
        bool json = Format == StdoutFormat.Json;
        if (json) output.Append('[');
        int records = 0;
        string? error = null;
        while (!reader.End)
        {
            EventSlice e;
            try
            {
                e = EventReader.ReadOne(ref reader, events);
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                break;
            }
            if (Format == StdoutFormat.Msgpack)
            {
                AppendPrinted(output, tag, records, e);
            }
            else
            {
                if (json && records > 0) output.Append(',');
                AppendJson(output, e);
                if (Format == StdoutFormat.JsonLines) output.Append('\n');
            }
            records++;
        }
        if (json) output.AppendAscii("]\n"u8);
        else if (Format == StdoutFormat.JsonStream && records > 0) output.Append('\n');
        return error;
    }

    private static void AppendPrinted(MsgPackTextBuffer output, string tag, int index, in EventSlice e)
    {
        output.Append('[');
        output.AppendFormatted(index);
        output.AppendAscii("] "u8);
        output.Append(tag);
        output.AppendAscii(": [["u8);
        output.AppendFormatted((int)e.Time.Seconds); // Fluent Bit prints the seconds as int32_t
        output.Append('.');
        output.AppendFormatted(e.Time.Nanoseconds, "D9");
        output.AppendAscii(", "u8);
        var metadata = new MessagePackReader(e.Metadata);
        MsgPackText.WriteFluent(ref metadata, output);
        output.AppendAscii("], "u8);
        var body = new MessagePackReader(e.Body);
        MsgPackText.WriteFluent(ref body, output);
        output.AppendAscii("]\n"u8);
    }

    private void AppendJson(MsgPackTextBuffer output, in EventSlice e)
    {
        // The record is one map: date, __internal__, then the body. As in msgpack2json, a key that
        // appears again later in that map is left out, so a body key named like the date key wins.
        var metadataReader = new MessagePackReader(e.Metadata);
        bool hasMetadata = metadataReader.ReadMapHeader() > 0;
        bool internalShown = hasMetadata && !MsgPackText.MapHasStringKey(e.Body, InternalKey);
        bool first = true;
        output.Append('{');
        if (_dateKey is not null && !MsgPackText.MapHasStringKey(e.Body, _dateKey)
            && !(hasMetadata && _dateKey.AsSpan().SequenceEqual(InternalKey)))
        {
            MsgPackText.WriteJsonString(_dateKey, output);
            output.Append(':');
            AppendDate(output, e.Time);
            first = false;
        }
        if (internalShown)
        {
            if (!first) output.Append(',');
            output.AppendAscii("\"__internal__\":{\"log_metadata\":"u8);
            var metadata = new MessagePackReader(e.Metadata);
            MsgPackText.WriteJson(ref metadata, output);
            output.Append('}');
            first = false;
        }
        var body = new MessagePackReader(e.Body);
        MsgPackText.WriteJsonMembers(ref body, body.ReadMapHeader(), output, first);
        output.Append('}');
    }

    private void AppendDate(MsgPackTextBuffer output, EventTime time)
    {
        switch (DateFormat)
        {
            case JsonDateFormat.Double:
                MsgPackText.WriteJsonDouble(time.Seconds + time.Nanoseconds / 1e9, output);
                break;
            case JsonDateFormat.Epoch:
                output.AppendFormatted(time.Seconds);
                break;
            case JsonDateFormat.EpochMs:
                output.AppendFormatted(time.Seconds * 1000UL + time.Nanoseconds / 1_000_000);
                break;
            case JsonDateFormat.Iso8601:
            case JsonDateFormat.JavaSqlTimestamp:
                // Microsecond precision, truncated, in UTC.
                var utc = DateTime.UnixEpoch.AddSeconds(time.Seconds);
                output.Append('"');
                output.AppendFormatted(utc, DateFormat == JsonDateFormat.Iso8601
                    ? "yyyy'-'MM'-'dd'T'HH':'mm':'ss"
                    : "yyyy'-'MM'-'dd' 'HH':'mm':'ss");
                output.Append('.');
                output.AppendFormatted(time.Nanoseconds / 1000, "D6");
                output.AppendAscii(DateFormat == JsonDateFormat.Iso8601 ? "Z\""u8 : "\""u8);
                break;
        }
    }
}
