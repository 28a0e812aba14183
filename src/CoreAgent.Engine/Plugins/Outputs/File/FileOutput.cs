using System.Text;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs.File;

/// <summary>
/// The file output: appends each chunk to <c>Path/File</c> (the tag when File is absent), in one of
/// Fluent Bit's formats (see <see cref="FileFormatter"/>). A file that cannot be opened is FLB_ERROR,
/// as in Fluent Bit; a failed write is FLB_RETRY. Writes to one file are serialised so workers never
/// interleave a chunk's lines.
/// </summary>
public sealed class FileOutput : IOutputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "file",
        Description = "Generate log file",
        Type = PluginType.Output,
        CreateOutput = () => new FileOutput(),
        Properties =
        [
            new("path", PropertyType.String, null, "The directory of the files; when absent File (or the tag) is used as it is.") { PathValue = PathValue.Single },
            new("file", PropertyType.String, null, "The file name; the tag when absent. With Path it is prefixed by the directory."),
            new("format", PropertyType.String, null, "out_file (default: 'tag: [time, {json}]'), plain, csv, ltsv, template or msgpack.")
                { OneOf = ["out_file", "plain", "csv", "ltsv", "template", "msgpack"] },
            new("delimiter", PropertyType.String, null, "csv and ltsv field delimiter: \\t or tab, space, comma."),
            new("label_delimiter", PropertyType.String, null, "ltsv label delimiter: \\t or tab, space, comma."),
            new("template", PropertyType.String, "{time} {message}", "The template format: {key} is the record's value, {time} the timestamp."),
            new("csv_column_names", PropertyType.Boolean, "false", "Write the keys as a first line when a csv file is empty."),
            new("mkdir", PropertyType.Boolean, "false", "Create the directory of the file (mode 0755) when it does not exist."),
        ],
    };

    [ThreadStatic] private static MsgPackTextBuffer? t_buffer;

    private readonly object _gate = new();
    private OutputContext? _context;
    private string? _path;
    private string? _file;
    private bool _mkdir;

    public FileFormatter Formatter { get; private set; } = new(FileFormat.Default);

    public void Init(OutputContext context)
    {
        _context = context;
        _path = context.Properties.Get("path");
        _file = context.Properties.Get("file");
        _mkdir = context.GetBool("mkdir", false);
        var format = FileFormat.Default;
        if (context.Properties.Get("format") is { } formatText && !FileFormatter.TryParseFormat(formatText, out format))
            throw new PluginException($"{context.InstanceName}: unknown format '{formatText}' (expected out_file, plain, csv, ltsv, template or msgpack)");
        string? delimiter = null, labelDelimiter = null;
        if (format == FileFormat.Csv) delimiter = ",";
        if (format == FileFormat.Ltsv) { delimiter = "\t"; labelDelimiter = ":"; }
        delimiter = FileFormatter.ParseDelimiter(context.Properties.Get("delimiter")) ?? delimiter;
        labelDelimiter = FileFormatter.ParseDelimiter(context.Properties.Get("label_delimiter")) ?? labelDelimiter;
        Formatter = new FileFormatter(format, delimiter, labelDelimiter,
            context.GetString("template", "{time} {message}"), context.GetBool("csv_column_names", false));
    }

    /// <summary>The file a chunk with this tag goes to.</summary>
    public string TargetPath(string tag)
    {
        var name = _file ?? tag;
        return _path is null ? name : _path + Path.DirectorySeparatorChar + name;
    }

    public FlushResult Flush(Chunk chunk)
    {
        var context = _context ?? throw new InvalidOperationException("the file output was not initialised");
        var target = TargetPath(chunk.Tag);
        lock (_gate)
        {
            FileStream stream;
            try
            {
                stream = Open(target);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Log.Error(context.InstanceName, $"error opening: {target}: {ex.Message}");
                return FlushResult.Error;
            }
            using (stream)
            {
                try
                {
                    if (Formatter.Format == FileFormat.Msgpack)
                    {
                        stream.Write(chunk.Span);
                        return FlushResult.Ok;
                    }
                    var buffer = t_buffer ??= new MsgPackTextBuffer(64 * 1024);
                    buffer.Clear();
                    var error = Formatter.Append(buffer, chunk.Tag, chunk.Memory, stream.Length == 0);
                    WriteUtf8(stream, buffer.Span);
                    buffer.Clear();
                    if (error is null) return FlushResult.Ok;
                    context.Log.Error(context.InstanceName, $"chunk {chunk}: {error}");
                    return FlushResult.Error;
                }
                catch (IOException ex)
                {
                    context.Log.Error(context.InstanceName, $"error writing {target}: {ex.Message}");
                    return FlushResult.Retry;
                }
            }
        }
    }

    private FileStream Open(string target)
    {
        try
        {
            return new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (DirectoryNotFoundException) when (_mkdir)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(target));
            if (!string.IsNullOrEmpty(directory))
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
                else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            return new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    private static void WriteUtf8(Stream stream, ReadOnlySpan<char> text)
    {
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(Math.Min(text.Length, 1 << 20)));
        try
        {
            while (!text.IsEmpty)
            {
                int take = Math.Min(text.Length, 1 << 20);
                // Do not split a surrogate pair across two encodings.
                if (take < text.Length && char.IsHighSurrogate(text[take - 1])) take--;
                int n = Encoding.UTF8.GetBytes(text[..take], bytes);
                stream.Write(bytes, 0, n);
                text = text[take..];
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public void Exit() { }
}
