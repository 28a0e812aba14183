using System.Globalization;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Parsers.Onigmo;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>The tail input's settings, read and checked once at Init.</summary>
public sealed class TailSettings
{
    public static IReadOnlyList<PropertySpec> Properties { get; } =
    [
        new("path", PropertyType.String, null, "The files to read: one or more glob patterns separated by commas (required).") { PathValue = PathValue.CommaList },
        new("exclude_path", PropertyType.String, null, "Shell patterns, separated by commas, of files not to read; matched against the whole path."),
        new("key", PropertyType.String, "log", "The key that holds the line when no parser applies."),
        new("path_key", PropertyType.String, null, "Add the file's name under this key."),
        new("offset_key", PropertyType.String, null, "Add the line's byte offset in the file under this key."),
        new("read_from_head", PropertyType.Boolean, "false", "Read files found at start (without a DB offset) from the head, not from the end."),
        new("read_newly_discovered_files_from_head", PropertyType.Boolean, "true", "Read files that appear after the start from their head."),
        new("refresh_interval", PropertyType.String, "60", "Seconds between scans of Path for new files (a decimal number; s, m, h, d suffixes)."),
        new("rotate_wait", PropertyType.String, "5", "How long a rotated file is still read after it was renamed (seconds; s, m, h, d suffixes)."),
        new("ignore_older", PropertyType.String, "0", "Skip files whose last change is older than this (seconds; m, h, d suffixes; 0: off)."),
        new("buffer_chunk_size", PropertyType.Size, "32768", "The initial read buffer per file, and the step it grows by.") { Min = 2, Max = int.MaxValue / 2 },
        new("buffer_max_size", PropertyType.Size, "32768", "The largest the buffer of one file may grow: a longer line stops the file (or is skipped with skip_long_lines).") { Min = 2, Max = int.MaxValue / 2 },
        new("skip_long_lines", PropertyType.Boolean, "false", "Skip lines longer than buffer_max_size instead of giving up the file."),
        new("skip_empty_lines", PropertyType.Boolean, "false", "Skip empty lines."),
        new("inotify_watcher", PropertyType.Boolean, "true", "Watch files with inotify; off: poll them with stat every 250 ms. Files are stat-checked every 250 ms either way."),
        new("db", PropertyType.String, null, "A SQLite file that keeps each file's offset, so a restart goes on where it stopped (Fluent Bit's format).") { PathValue = PathValue.Single },
        new("db.sync", PropertyType.String, "normal", "SQLite synchronous mode for the DB: extra, full, normal or off."),
        new("db.locking", PropertyType.Boolean, "false", "Hold the DB file exclusively (SQLite locking_mode EXCLUSIVE)."),
        new("db.journal_mode", PropertyType.String, "WAL", "SQLite journal mode of the DB (WAL, DELETE, TRUNCATE, PERSIST, MEMORY, OFF)."),
        new("db.compare_filename", PropertyType.Boolean, "false", "Match DB rows by inode and file name, not by inode alone."),
        new("parser", PropertyType.String, null, "The parser applied to each line (a name from the parsers file); a line that does not parse stays raw under Key.") { References = ParserReference.Parser },
        new("tag_regex", PropertyType.String, null, "A regex run on each file's path: its named captures fill the tag's <name> placeholders (a missing or empty one gives _)."),
        new("exit_on_eof", PropertyType.Boolean, "false", "Stop the pipeline when every file found at start has been read to its end."),
        new("docker_mode", PropertyType.Boolean, "false", "Join Docker json-file lines split by Docker (a log not ending with a newline) before the Parser; not with multiline.parser."),
        new("docker_mode_flush", PropertyType.Integer, "4", "Seconds without a new line after which a pending Docker_Mode record is flushed (at least 1)."),
        new("docker_mode_parser", PropertyType.String, null, "With Docker_Mode: a parser matching the first JSON line of a record; other complete lines are joined to it.") { References = ParserReference.Parser },
        new("multiline.parser", PropertyType.String, null, "Multiline parsers, separated by commas: built-in docker, cri, go, python, java, ruby, or [MULTILINE_PARSER] names.") { Multiple = true, References = ParserReference.MultilineParser },
    ];

    public required IReadOnlyList<string> Paths { get; init; }
    public IReadOnlyList<string> Excludes { get; init; } = [];
    public string Key { get; init; } = "log";
    public string? PathKey { get; init; }
    public string? OffsetKey { get; init; }
    public bool ReadFromHead { get; init; }
    public bool ReadNewFilesFromHead { get; init; } = true;
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan RotateWait { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan IgnoreOlder { get; init; }
    public int BufferChunkSize { get; init; } = 32768;
    public int BufferMaxSize { get; init; } = 32768;
    public bool SkipLongLines { get; init; }
    public bool SkipEmptyLines { get; init; }
    public bool Inotify { get; init; } = true;
    public string? DbPath { get; init; }
    public int DbSync { get; init; } = 1;
    public bool DbLocking { get; init; }
    public string DbJournalMode { get; init; } = "WAL";
    public bool DbCompareFilename { get; init; }
    public string? Parser { get; init; }
    public IReadOnlyList<string> MultilineParsers { get; init; } = [];
    public Regex? TagRegex { get; init; }
    public bool ExitOnEof { get; init; }
    public bool DockerMode { get; init; }
    public TimeSpan DockerModeFlush { get; init; } = TimeSpan.FromSeconds(4);
    public string? DockerModeParser { get; init; }

    public static TailSettings From(PluginContext context)
    {
        var p = context.Properties;
        var paths = SplitList(p.Get("path"));
        if (paths.Count == 0) throw new PropertyException("path", "no input 'path' was given");
        int chunk = (int)PropertyValues.ParseSize("buffer_chunk_size", p.Get("buffer_chunk_size") ?? "32768");
        int max = (int)PropertyValues.ParseSize("buffer_max_size", p.Get("buffer_max_size") ?? "32768");
        if (chunk > max) throw new PropertyException("buffer_max_size", "buffer_max_size must be >= buffer_chunk");
        var refresh = ParseTime("refresh_interval", p.Get("refresh_interval") ?? "60");
        if (refresh <= TimeSpan.Zero) throw new PropertyException("refresh_interval", $"invalid 'refresh_interval' config value ({p.Get("refresh_interval")})");
        var rotateWait = ParseTime("rotate_wait", p.Get("rotate_wait") ?? "5");
        if (rotateWait <= TimeSpan.Zero) throw new PropertyException("rotate_wait", "invalid 'rotate_wait' config value");
        string journal = (p.Get("db.journal_mode") ?? "WAL").Trim();
        if (journal.ToUpperInvariant() is not ("WAL" or "DELETE" or "TRUNCATE" or "PERSIST" or "MEMORY" or "OFF"))
            throw new PropertyException("db.journal_mode", $"'{journal}' is not a journal mode (WAL, DELETE, TRUNCATE, PERSIST, MEMORY, OFF)");
        return new TailSettings
        {
            Paths = paths,
            Excludes = SplitList(p.Get("exclude_path")),
            Key = p.Get("key") ?? "log",
            PathKey = NullIfEmpty(p.Get("path_key")),
            OffsetKey = NullIfEmpty(p.Get("offset_key")),
            ReadFromHead = context.GetBool("read_from_head", false),
            ReadNewFilesFromHead = context.GetBool("read_newly_discovered_files_from_head", true),
            RefreshInterval = refresh,
            RotateWait = rotateWait,
            IgnoreOlder = ParseTime("ignore_older", p.Get("ignore_older") ?? "0"),
            BufferChunkSize = chunk,
            BufferMaxSize = max,
            SkipLongLines = context.GetBool("skip_long_lines", false),
            SkipEmptyLines = context.GetBool("skip_empty_lines", false),
            Inotify = context.GetBool("inotify_watcher", true),
            DbPath = NullIfEmpty(p.Get("db")),
            DbSync = (p.Get("db.sync") ?? "normal").Trim().ToLowerInvariant() switch
            {
                "extra" => 3,
                "full" => 2,
                "normal" => 1,
                "off" => 0,
                var other => throw new PropertyException("db.sync", $"invalid database 'db.sync' value '{other}' (extra, full, normal, off)"),
            },
            DbLocking = context.GetBool("db.locking", false),
            DbJournalMode = journal,
            DbCompareFilename = context.GetBool("db.compare_filename", false),
            Parser = NullIfEmpty(p.Get("parser")),
            MultilineParsers = p.GetAll("multiline.parser").SelectMany(v => SplitList(v.Value)).ToList(),
            TagRegex = NullIfEmpty(p.Get("tag_regex")) is { } tagRegex ? CompileTagRegex(tagRegex) : null,
            ExitOnEof = context.GetBool("exit_on_eof", false),
            DockerMode = context.GetBool("docker_mode", false),
            DockerModeFlush = ParseDockerModeFlush(p.Get("docker_mode_flush")),
            DockerModeParser = NullIfEmpty(p.Get("docker_mode_parser")),
        };
    }

    // Fluent Bit logs an invalid Tag_Regex and goes on with a tag of '*' expansion; a clear error at start is kinder.
    private static Regex CompileTagRegex(string pattern)
    {
        var translated = OnigmoTranslator.Translate(pattern);
        if (translated.Errors.Count > 0)
            throw new PropertyException("tag_regex", $"invalid 'tag_regex' config value '{pattern}': {string.Join("; ", translated.Errors)}");
        try { return new Regex(translated.Pattern, translated.Options, ParserFactory.RegexTimeout); }
        catch (ArgumentException ex) { throw new PropertyException("tag_regex", $"invalid 'tag_regex' config value '{pattern}': {ex.Message}"); }
    }

    // Whole seconds; 0 or less means 1, as Fluent Bit.
    private static TimeSpan ParseDockerModeFlush(string? value)
    {
        if (value is null) return TimeSpan.FromSeconds(4);
        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seconds))
            throw new PropertyException("docker_mode_flush", $"'{value}' is not a whole number of seconds");
        return TimeSpan.FromSeconds(Math.Max(seconds, 1));
    }

    /// <summary>A comma list (Fluent Bit's CLIST): items trimmed, empty ones dropped.</summary>
    public static List<string> SplitList(string? value) =>
        value is null ? [] : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Fluent Bit's time values: a number of seconds (decimals allowed), or with an s, m, h or d suffix.</summary>
    public static TimeSpan ParseTime(string key, string value)
    {
        var text = value.Trim().ToLowerInvariant();
        double unit = 1;
        if (text.Length > 0 && text[^1] is 's' or 'm' or 'h' or 'd')
        {
            unit = text[^1] switch { 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 1 };
            text = text[..^1];
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0 || !double.IsFinite(number) || number * unit > 1e9)
            throw new PropertyException(key, $"'{value}' is not a time (seconds, or a number with s, m, h or d)");
        return TimeSpan.FromSeconds(number * unit);
    }
}
