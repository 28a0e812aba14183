using CoreAgent.Engine.Parsers.Formats;
using CoreAgent.Engine.Parsers.Onigmo;
using CoreAgent.Engine.Parsers.Time;
using CoreAgent.Engine.Plugins.Properties;
using DotNetRegex = System.Text.RegularExpressions.Regex;

namespace CoreAgent.Engine.Parsers;

/// <summary>
/// Builds a <see cref="Parser"/> from a [PARSER] section with the rules of flb_parser.c: Name and
/// Format are required, Regex too for the regex format; an unknown format, a regex that does not
/// compile (or cannot be translated from Onigmo), a bad Time_Offset or Time_Zone stop the parser.
/// Empty values count as unset, as Fluent Bit's get_parser_key reads them.
/// </summary>
public static class ParserFactory
{
    /// <summary>How long one regex match may run before the line counts as not matching.</summary>
    public static TimeSpan RegexTimeout { get; } = TimeSpan.FromSeconds(1);

    private static readonly HashSet<string> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "name", "format", "regex", "skip_empty_values", "time_format", "time_key", "time_keep", "time_strict",
        "time_system_timezone", "time_offset", "time_zone", "logfmt_no_bare_keys", "types", "decode_field", "decode_field_as",
    };

    /// <summary>Creates the parser, or returns null with at least one error in <paramref name="problems"/>.</summary>
    public static Parser? Create(ParserDefinition definition, List<ParserProblem> problems, Func<DateTimeOffset>? now = null, TimeSpan? regexTimeout = null)
    {
        var p = definition.Properties;
        int errors = problems.Count(x => x.IsError);
        string? Get(string key) => p.Get(key) is { } v && v.Trim().Length > 0 ? v.Trim() : null;
        SourceLocation? At(string key) => p.Find(key)?.Location ?? definition.Location;
        void Error(string key, string message) => problems.Add(new ParserProblem(message, At(key), key, true));
        void Warn(string key, string message) => problems.Add(new ParserProblem(message, At(key), key, false));
        bool Bool(string key, bool fallback)
        {
            if (Get(key) is not { } v) return fallback;
            try { return PropertyValues.ParseBool(key, v); }
            catch (PropertyException ex) { Error(key, $"[parser] {ex.Message}"); return fallback; }
        }

        string? name = Get("name");
        if (name is null)
        {
            problems.Add(new ParserProblem("[parser] no parser 'name' found", definition.Location, "name", true));
            return null;
        }
        string label = $"[parser:{name}]";
        foreach (var property in p)
            if (!KnownKeys.Contains(property.Key))
                problems.Add(new ParserProblem($"{label} unknown key '{property.Key}' is ignored", property.Location ?? definition.Location, property.Key, false));

        string? format = Get("format");
        if (format is null)
        {
            Error("format", $"{label} no parser 'format' found");
            return null;
        }
        ParserFormat kind;
        switch (format.ToLowerInvariant())
        {
            case "json": kind = ParserFormat.Json; break;
            case "regex": kind = ParserFormat.Regex; break;
            case "ltsv": kind = ParserFormat.Ltsv; break;
            case "logfmt": kind = ParserFormat.Logfmt; break;
            default:
                Error("format", $"{label} Invalid format {format} (json, regex, ltsv, logfmt)");
                return null;
        }

        string? timeFormat = Get("time_format");
        string? zoneName = Get("time_zone");
        bool systemZone = Bool("time_system_timezone", false);
        TimeZoneInfo? zone = null;
        if (zoneName is not null)
        {
            if (timeFormat is null) Error("time_zone", $"{label} time_zone requires time_format");
            else if (systemZone) Error("time_zone", $"{label} time_zone cannot be combined with time_system_timezone");
            else if (Get("time_offset") is not null) Error("time_zone", $"{label} time_zone cannot be combined with time_offset");
            else
            {
                try { zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName); }
                catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                    Error("time_zone", $"{label} invalid or unavailable time_zone '{zoneName}'");
                }
            }
        }
        int offset = 0;
        if (Get("time_offset") is { } offsetText && timeFormat is not null && !systemZone && zoneName is null)
        {
            if (TimeSpec.ParseOffset(offsetText) is { } parsed) offset = parsed;
            else Error("time_offset", $"{label} invalid time_offset '{offsetText}' (expected Z, +hhmm or -hh:mm)");
        }

        var typeProblems = new List<string>();
        var types = Get("types") is { } typesText ? FieldTypes.Parse(typesText, typeProblems) : FieldTypes.Empty;
        foreach (var problem in typeProblems) Warn("types", $"{label} {problem}");
        if (!types.IsEmpty && kind == ParserFormat.Json)
            Warn("types", $"{label} Types has no effect on a json parser (as in Fluent Bit)");
        if (Get("skip_empty_values") is not null && kind != ParserFormat.Regex)
            Warn("skip_empty_values", $"{label} Skip_Empty_Values applies to regex parsers only (as in Fluent Bit)");
        foreach (var decoder in p.Where(x => x.Key.Equals("decode_field", StringComparison.OrdinalIgnoreCase) || x.Key.Equals("decode_field_as", StringComparison.OrdinalIgnoreCase)))
            problems.Add(new ParserProblem($"{label} {decoder.Key} is not implemented; the field is not decoded", decoder.Location ?? definition.Location, decoder.Key, false));

        var settings = new ParserSettings
        {
            Name = name,
            Location = definition.Location,
            TimeKey = Get("time_key"),
            Time = timeFormat is null ? null : new TimeSpec(timeFormat, offset, systemZone, zone, Bool("time_strict", true), now),
            TimeKeep = Bool("time_keep", false),
            Types = types,
            SkipEmptyValues = Bool("skip_empty_values", true),
            LogfmtNoBareKeys = Bool("logfmt_no_bare_keys", false),
        };

        Parser? parser = null;
        switch (kind)
        {
            case ParserFormat.Json: parser = new JsonParser(settings); break;
            case ParserFormat.Ltsv: parser = new LtsvParser(settings); break;
            case ParserFormat.Logfmt: parser = new LogfmtParser(settings); break;
            case ParserFormat.Regex:
                if (Get("regex") is not { } pattern)
                {
                    Error("regex", $"{label} no parser 'regex' found");
                    break;
                }
                var translated = OnigmoTranslator.Translate(pattern);
                foreach (var error in translated.Errors) Error("regex", $"{label} regex: {error}");
                foreach (var note in translated.Notes) Warn("regex", $"{label} regex: {note}");
                try
                {
                    _ = new DotNetRegex(translated.Pattern, translated.Options); // interpreted: a check, not the one used
                }
                catch (ArgumentException ex)
                {
                    Error("regex", $"{label} Invalid regex pattern: {ex.Message} (as .NET reads it: {translated.Pattern})");
                    break;
                }
                if (translated.GroupNames.Count == 0)
                    Warn("regex", $"{label} the regex has no named group (?<name>...): it yields no field, so no line parses");
                parser = new RegexParser(settings, translated.Pattern, translated.Options, translated.GroupNames, regexTimeout ?? RegexTimeout);
                break;
        }
        return problems.Count(x => x.IsError) > errors ? null : parser;
    }
}
