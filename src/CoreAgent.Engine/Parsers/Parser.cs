using System.Buffers;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers.Time;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Parsers;

public enum ParserFormat { Json, Regex, Logfmt, Ltsv }

/// <summary>
/// A Fluent Bit parser ([PARSER] section): turns one line of text into a record body.
/// <para>
/// The API other plugins use (stable):
/// <code>
/// Parser? parser = context.Parsers.Find("json");      // PluginContext.Parsers, a ParserRegistry
/// var writer = new MessagePackWriter(bufferWriter);
/// if (parser.TryParse(lineBytes, ref writer, out EventTime? time))
///     writer.Flush();          // a msgpack map was written: the record body
/// else
///     ...                      // nothing was written: keep the line as it is ({"log": line} in tail)
/// // time: the record time the parser read (Time_Key/Time_Format), or null when it read none
/// // (no Time_Format, no such key, a time that did not parse, or 0): then use the time you
/// // would have used anyway (now in tail, the record's time in the parser filter), as Fluent Bit does.
/// </code>
/// TryParse is thread-safe and allocation-free on the json path (scratch memory is per thread);
/// the regex path decodes the line into one string because .NET regexes capture only from strings.
/// A line that does not parse never throws.
/// </para>
/// </summary>
public abstract class Parser
{
    private protected Parser(ParserSettings settings)
    {
        Settings = settings;
        TimeKeyUtf8 = Encoding.UTF8.GetBytes(settings.TimeKey ?? "time");
    }

    public string Name => Settings.Name;
    public abstract ParserFormat Format { get; }

    /// <summary>Where the parser was defined (its [PARSER] header), when it came from a file.</summary>
    public SourceLocation? Location => Settings.Location;

    internal ParserSettings Settings { get; }

    /// <summary>Where warnings go (a time that does not parse, a Types cast that fails).</summary>
    public AgentLog Log { get; set; } = AgentLog.Null;

    private protected byte[] TimeKeyUtf8 { get; }
    private protected TimeSpec? Time => Settings.Time;
    private protected FieldTypes Types => Settings.Types;

    /// <summary>
    /// Parses <paramref name="text"/> into a msgpack map written to <paramref name="body"/>. False
    /// when the text does not parse; nothing is written then.
    /// </summary>
    public abstract bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time);

    /// <summary>The same, writing to a buffer (the writer is flushed).</summary>
    public bool TryParse(ReadOnlySpan<byte> text, IBufferWriter<byte> body, out EventTime? time) =>
        TryParse(text, body, 0, out time);

    /// <summary>
    /// The same, with <paramref name="extraRootPairs"/> added to the map's pair count: the caller
    /// appends that many key/value pairs right after the body (tail's Path_Key and Offset_Key).
    /// </summary>
    public bool TryParse(ReadOnlySpan<byte> text, IBufferWriter<byte> body, int extraRootPairs, out EventTime? time)
    {
        var writer = new MessagePackWriter(body);
        bool parsed = TryParse(text, ref writer, extraRootPairs, out time);
        writer.Flush();
        return parsed;
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_counted;

    /// <summary>
    /// <see cref="TryParse(ReadOnlySpan{byte}, ref MessagePackWriter, out EventTime?)"/> with
    /// <paramref name="extraRootPairs"/> added to the map's count. This default parses into a
    /// per-thread buffer and rewrites the header; the json parser counts them in directly.
    /// </summary>
    public virtual bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, int extraRootPairs, out EventTime? time)
    {
        if (extraRootPairs == 0) return TryParse(text, ref body, out time);
        var parsed = t_counted ??= new ArrayBufferWriter<byte>();
        parsed.ResetWrittenCount();
        var writer = new MessagePackWriter(parsed);
        if (!TryParse(text, ref writer, out time)) return false;
        writer.Flush();
        var reader = new MessagePackReader(parsed.WrittenMemory);
        int pairs = reader.ReadMapHeader();
        body.WriteMapHeader(pairs + extraRootPairs);
        body.WriteRaw(parsed.WrittenSpan[(int)reader.Consumed..]);
        return true;
    }

    /// <summary>Reads a time value; warns as Fluent Bit does when it does not parse.</summary>
    private protected bool ReadTime(ReadOnlySpan<byte> value, out EventTime time)
    {
        if (Time!.TryParse(value, out time)) return true;
        Warn($"invalid time format {Time.Format} for '{Shorten(value)}'");
        return false;
    }

    private protected static EventTime? NonZero(EventTime time) => time.Seconds == 0 && time.Nanoseconds == 0 ? null : time;

    /// <summary>Writes key and value, cast when Types names the key.</summary>
    private protected void WriteField(ref MessagePackWriter writer, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value)
    {
        MsgPack.WriteUtf8(ref writer, key);
        if (Types.IsEmpty || Types.Find(key) is not { } type)
        {
            MsgPack.WriteUtf8(ref writer, value);
            return;
        }
        if (!FieldTypes.WriteValue(ref writer, type, value)) Warn($"key={Encoding.UTF8.GetString(key)} cast error. save as string.");
    }

    private int _warnings;

    /// <summary>A warning per occurrence, as Fluent Bit logs them, but only the first 100 of a parser, then one in 10 000.</summary>
    private protected void Warn(string message)
    {
        int n = Interlocked.Increment(ref _warnings);
        if (n <= 100) Log.Warn($"parser:{Name}", message);
        else if (n % 10_000 == 0) Log.Warn($"parser:{Name}", $"{message} ({n} such warnings so far; most are not logged)");
    }

    private static string Shorten(ReadOnlySpan<byte> value) =>
        Encoding.UTF8.GetString(value[..Math.Min(value.Length, 254)]);
}

/// <summary>What every format shares, read from the [PARSER] keys.</summary>
public sealed record ParserSettings
{
    public required string Name { get; init; }
    public SourceLocation? Location { get; init; }
    public string? TimeKey { get; init; }
    public TimeSpec? Time { get; init; }
    public bool TimeKeep { get; init; }
    public FieldTypes Types { get; init; } = FieldTypes.Empty;
    public bool SkipEmptyValues { get; init; } = true;
    public bool LogfmtNoBareKeys { get; init; }
}
