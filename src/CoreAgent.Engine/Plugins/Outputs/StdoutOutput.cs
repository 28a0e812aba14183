using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>
/// The stdout output: prints each chunk as Fluent Bit's stdout output does (see
/// <see cref="StdoutFormatter"/>). A chunk's text is built in a per-thread buffer and written with one
/// call under a lock, so chunks flushed by several workers never interleave.
/// </summary>
public sealed class StdoutOutput : IOutputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "stdout",
        Description = "Prints events to the standard output",
        Type = PluginType.Output,
        CreateOutput = () => new StdoutOutput(),
        Properties =
        [
            new("format", PropertyType.String, "msgpack", "How records are printed: msgpack, json, json_lines or json_stream.")
                { OneOf = ["msgpack", "json", "json_lines", "json_stream"], FallsBackTo = "msgpack" },
            new("json_date_key", PropertyType.String, "date", "The key of the timestamp in JSON formats; false, off or no leaves the timestamp out."),
            new("json_date_format", PropertyType.String, "double", "The timestamp in JSON formats: double, epoch, epoch_ms, iso8601 or java_sql_timestamp."),
        ],
    };

    [ThreadStatic] private static MsgPackTextBuffer? t_buffer;

    private readonly TextWriter? _writer;
    private readonly object _gate = new();
    private OutputContext? _context;

    /// <summary>Writes to <see cref="Console.Out"/> (as it is at each flush).</summary>
    public StdoutOutput() { }

    /// <summary>Writes to <paramref name="writer"/> instead of the console.</summary>
    public StdoutOutput(TextWriter writer) => _writer = writer;

    public StdoutFormatter Formatter { get; private set; } = new();

    public void Init(OutputContext context)
    {
        _context = context;
        // Unknown values are logged and replaced by the defaults, as Fluent Bit does.
        var formatText = context.GetString("format", "msgpack");
        if (!StdoutFormatter.TryParseFormat(formatText, out var format))
            context.Log.Error(context.InstanceName, $"unrecognized 'format' option '{formatText}'. Using 'msgpack'");
        var dateFormatText = context.GetString("json_date_format", "double");
        if (!StdoutFormatter.TryParseDateFormat(dateFormatText, out var dateFormat))
            context.Log.Error(context.InstanceName, $"invalid json_date_format '{dateFormatText}'. Using 'double' type");
        var dateKey = StdoutFormatter.ParseDateKey(context.GetString("json_date_key", "date"));
        Formatter = new StdoutFormatter(format, dateKey, dateFormat);
    }

    public FlushResult Flush(Chunk chunk)
    {
        var buffer = t_buffer ??= new MsgPackTextBuffer(64 * 1024);
        buffer.Clear();
        var error = Formatter.Append(buffer, chunk.Tag, chunk.Memory);
        if (buffer.Length > 0)
        {
            var writer = _writer ?? Console.Out;
            lock (_gate)
            {
                buffer.WriteTo(writer);
                writer.Flush();
            }
        }
        buffer.Clear();
        if (error is null) return FlushResult.Ok;
        _context?.Log.Error(_context.InstanceName, $"chunk {chunk}: {error}");
        return FlushResult.Error;
    }

    public void Exit() { }
}
