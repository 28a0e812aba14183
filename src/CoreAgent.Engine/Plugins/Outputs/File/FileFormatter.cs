using System.Text;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.File;

/// <summary>
/// Turns events into the text Fluent Bit's file output writes, quirks included:
/// <list type="bullet">
/// <item>default: <c>tag: [sec.nsec, {json}]</c> with nine decimals;</item>
/// <item>plain: the body as JSON;</item>
/// <item>csv: <c>sec.nsec</c>, then each value as msgpack_object_print shows it (strings quoted, inner quotes not escaped);</item>
/// <item>ltsv: <c>"time":</c> and the time with six decimals, then <c>"key":value</c> pairs;</item>
/// <item>template: <c>{key}</c> replaced by the value (strings bare), <c>{time}</c> by the time with six decimals,
/// unknown keys left as written.</item>
/// </list>
/// Records whose body is an empty map write nothing in csv and ltsv, as in Fluent Bit.
/// </summary>
public sealed class FileFormatter(FileFormat format, string? delimiter = null, string? labelDelimiter = null,
    string template = "{time} {message}", bool csvColumnNames = false)
{
    public FileFormat Format { get; } = format;
    public string Delimiter { get; } = delimiter ?? (format == FileFormat.Ltsv ? "\t" : ",");
    public string LabelDelimiter { get; } = labelDelimiter ?? ":";
    public string Template { get; } = template;
    public bool CsvColumnNames { get; } = csvColumnNames;

    /// <summary>Reads a <c>format</c> value (case-insensitive); out_file names the default explicitly.</summary>
    public static bool TryParseFormat(string value, out FileFormat format)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "out_file": format = FileFormat.Default; return true;
            case "plain": format = FileFormat.Plain; return true;
            case "csv": format = FileFormat.Csv; return true;
            case "ltsv": format = FileFormat.Ltsv; return true;
            case "template": format = FileFormat.Template; return true;
            case "msgpack": format = FileFormat.Msgpack; return true;
            default: format = FileFormat.Default; return false;
        }
    }

    /// <summary>Fluent Bit's delimiter names: <c>\t</c> or tab, space, comma; anything else is ignored (null).</summary>
    public static string? ParseDelimiter(string? value) => value?.ToLowerInvariant() switch
    {
        "\\t" or "tab" => "\t",
        "space" => " ",
        "comma" => ",",
        _ => null,
    };

    /// <summary>
    /// Appends the text of the events. <paramref name="atFileStart"/> says whether the file was empty, for
    /// csv column names. Returns null or why the events stopped being readable.
    /// </summary>
    public string? Append(MsgPackTextBuffer output, string tag, ReadOnlyMemory<byte> events, bool atFileStart = false)
    {
        var reader = new MessagePackReader(events);
        bool columnsPending = CsvColumnNames && atFileStart;
        while (!reader.End)
        {
            EventSlice e;
            try
            {
                e = EventReader.ReadOne(ref reader, events);
            }
            catch (FormatException ex)
            {
                return ex.Message;
            }
            switch (Format)
            {
                case FileFormat.Default:
                    output.Append(tag);
                    output.AppendAscii(": ["u8);
                    AppendNanoTime(output, e.Time);
                    output.AppendAscii(", "u8);
                    AppendJson(output, e.Body);
                    output.AppendAscii("]\n"u8);
                    break;
                case FileFormat.Plain:
                    AppendJson(output, e.Body);
                    output.Append('\n');
                    break;
                case FileFormat.Csv:
                    if (AppendCsv(output, e, columnsPending)) columnsPending = false;
                    break;
                case FileFormat.Ltsv:
                    AppendLtsv(output, e);
                    break;
                case FileFormat.Template:
                    AppendTemplate(output, e);
                    break;
            }
        }
        return null;
    }

    private static void AppendNanoTime(MsgPackTextBuffer output, EventTime time)
    {
        output.AppendFormatted(time.Seconds);
        output.Append('.');
        output.AppendFormatted(time.Nanoseconds, "D9");
    }

    private static void AppendJson(MsgPackTextBuffer output, ReadOnlyMemory<byte> body)
    {
        var reader = new MessagePackReader(body);
        MsgPackText.WriteJson(ref reader, output);
    }

    private static void AppendPrinted(MsgPackTextBuffer output, ref MessagePackReader reader) =>
        MsgPackText.WriteFluent(ref reader, output);

    private bool AppendCsv(MsgPackTextBuffer output, in EventSlice e, bool columnNames)
    {
        var reader = new MessagePackReader(e.Body);
        if (reader.NextMessagePackType != MessagePackType.Map) return false;
        int pairs = reader.ReadMapHeader();
        if (pairs == 0) return false;
        if (columnNames)
        {
            output.Append("timestamp");
            output.Append(Delimiter);
            var keys = reader.CreatePeekReader();
            for (int i = 0; i < pairs; i++)
            {
                if (i > 0) output.Append(Delimiter);
                AppendPrinted(output, ref keys);
                keys.Skip();
            }
            output.Append('\n');
        }
        AppendNanoTime(output, e.Time);
        output.Append(Delimiter);
        for (int i = 0; i < pairs; i++)
        {
            if (i > 0) output.Append(Delimiter);
            reader.Skip();
            AppendPrinted(output, ref reader);
        }
        output.Append('\n');
        return true;
    }

    private void AppendLtsv(MsgPackTextBuffer output, in EventSlice e)
    {
        var reader = new MessagePackReader(e.Body);
        if (reader.NextMessagePackType != MessagePackType.Map) return;
        int pairs = reader.ReadMapHeader();
        if (pairs == 0) return;
        output.AppendAscii("\"time\""u8);
        output.Append(LabelDelimiter);
        MsgPackText.WritePrintfFixed(e.Time.ToDouble(), output);
        output.Append(Delimiter);
        for (int i = 0; i < pairs; i++)
        {
            if (i > 0) output.Append(Delimiter);
            AppendPrinted(output, ref reader);
            output.Append(LabelDelimiter);
            AppendPrinted(output, ref reader);
        }
        output.Append('\n');
    }

    private void AppendTemplate(MsgPackTextBuffer output, in EventSlice e)
    {
        var text = Template.AsSpan();
        int open = -1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '{')
            {
                // A second open brace: the text from the first one is written as it is.
                if (open >= 0) output.Append(text[open..i]);
                open = i;
            }
            else if (c == '}' && open >= 0)
            {
                if (!AppendPlaceholder(output, e, text[(open + 1)..i])) output.Append(text[open..(i + 1)]);
                open = -1;
            }
            else if (open < 0)
            {
                output.Append(c);
            }
        }
        if (open >= 0) output.Append(text[open..]);
        output.Append('\n');
    }

    private static bool AppendPlaceholder(MsgPackTextBuffer output, in EventSlice e, ReadOnlySpan<char> key)
    {
        // Fluent Bit compares only the placeholder's length of "time", so "{}", "{t}" ... "{time}" all print the time.
        if ("time".AsSpan().StartsWith(key))
        {
            MsgPackText.WritePrintfFixed(e.Time.ToDouble(), output);
            return true;
        }
        var reader = new MessagePackReader(e.Body);
        if (reader.NextMessagePackType != MessagePackType.Map) return false;
        int pairs = reader.ReadMapHeader();
        Span<byte> keyBytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        keyBytes = keyBytes[..Encoding.UTF8.GetBytes(key, keyBytes)];
        for (int i = 0; i < pairs; i++)
        {
            bool match = false;
            if (reader.NextMessagePackType == MessagePackType.String)
                match = reader.ReadStringSequence() is { } name && SequenceEquals(name, keyBytes);
            else
                reader.Skip();
            if (!match)
            {
                reader.Skip();
                continue;
            }
            if (reader.NextMessagePackType == MessagePackType.String)
            {
                var value = reader.ReadStringSequence();
                if (value is { } v)
                    foreach (var segment in v) output.AppendUtf8(segment.Span);
            }
            else
            {
                AppendPrinted(output, ref reader);
            }
            return true;
        }
        return false;
    }

    private static bool SequenceEquals(System.Buffers.ReadOnlySequence<byte> seq, ReadOnlySpan<byte> other)
    {
        if (seq.Length != other.Length) return false;
        if (seq.IsSingleSegment) return seq.FirstSpan.SequenceEqual(other);
        Span<byte> copy = stackalloc byte[other.Length];
        System.Buffers.BuffersExtensions.CopyTo(seq, copy);
        return copy.SequenceEqual(other);
    }
}
