using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers.Formats;
using CoreAgent.Engine.Parsers.Onigmo;
using CoreAgent.Engine.Parsers.Time;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Parsers.Multiline;

/// <summary>
/// The multiline parsers a pipeline knows: the built-ins (docker, cri, go, python, java, ruby, as
/// Fluent Bit defines them in src/multiline/flb_ml_parser_*.c) and the [MULTILINE_PARSER] sections.
/// A defined parser may not take a built-in's name.
/// </summary>
public sealed class MultilineRegistry
{
    private readonly Dictionary<string, MultilineParser> _parsers = new(StringComparer.Ordinal);

    public static MultilineRegistry Empty { get; } = WithBuiltIns();

    public static string BuiltInNames => "docker, cri, go, python, java, ruby";

    public string DefinedNames =>
        string.Join(", ", _parsers.Keys.Where(k => !BuiltInNames.Split(", ").Contains(k)).Order(StringComparer.Ordinal)) is { Length: > 0 } names ? names : "none";

    public MultilineParser? Find(string name) => _parsers.GetValueOrDefault(name.Trim());

    /// <summary>The parsers of a multiline.parser value ("docker, cri"), in order; throws <see cref="KeyNotFoundException"/> for an unknown name.</summary>
    public IReadOnlyList<MultilineParser> Resolve(string commaList) =>
        [.. commaList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => Find(n) ?? throw new KeyNotFoundException($"multiline parser '{n}' is not defined (built in: {BuiltInNames}; defined: {DefinedNames})"))];

    private static MultilineRegistry WithBuiltIns()
    {
        var registry = new MultilineRegistry();
        foreach (var parser in BuiltIns()) registry._parsers[parser.Name] = parser;
        return registry;
    }

    /// <summary>Built-ins plus the definitions; bad ones are problems (errors keep them out).</summary>
    public static MultilineRegistry Create(IEnumerable<ParserDefinition> definitions, ParserRegistry parsers, AgentLog? log, List<ParserProblem> problems)
    {
        var registry = WithBuiltIns();
        foreach (var definition in definitions)
        {
            var parser = FromDefinition(definition, parsers, problems);
            if (parser is null) continue;
            if (registry._parsers.ContainsKey(parser.Name))
            {
                problems.Add(new ParserProblem($"[multiline_parser] a multiline parser named '{parser.Name}' already exists", definition.Location, "name", true));
                continue;
            }
            registry._parsers[parser.Name] = parser;
        }
        return registry;
    }

    private static MultilineParser? FromDefinition(ParserDefinition definition, ParserRegistry parsers, List<ParserProblem> problems)
    {
        var p = definition.Properties;
        string? Get(string key) => p.Get(key) is { } v && v.Trim().Length > 0 ? v.Trim() : null;
        SourceLocation? At(string key) => p.Find(key)?.Location ?? definition.Location;
        void Error(string key, string message) => problems.Add(new ParserProblem(message, At(key), key, true));

        if (Get("name") is not { } name)
        {
            Error("name", "[multiline_parser] no 'name' defined");
            return null;
        }
        var label = $"[multiline parser: {name}]";
        if (Get("type") is not { } typeText)
        {
            Error("type", $"{label} no 'type' defined");
            return null;
        }
        MultilineType type;
        switch (typeText.ToLowerInvariant())
        {
            case "regex": type = MultilineType.Regex; break;
            case "endswith": type = MultilineType.EndsWith; break;
            case "equal" or "eq": type = MultilineType.Equal; break;
            default:
                Error("type", $"{label} invalid type '{typeText}' (regex, endswith, equal)");
                return null;
        }
        int flush = MultilineParser.DefaultFlushTimeoutMs;
        if (Get("flush_timeout") is { } flushText)
        {
            if (!int.TryParse(flushText, out flush)) Error("flush_timeout", $"{label} flush_timeout '{flushText}' is not a number of milliseconds");
            if (flush <= 0) flush = MultilineParser.DefaultFlushTimeoutMs;
        }
        Parser? lineParser = null;
        if (Get("parser") is { } parserName && (lineParser = parsers.Find(parserName)) is null)
            Error("parser", $"{label} parser '{parserName}' is not defined (defined: {parsers.KnownNames})");
        bool negate = false;
        if (Get("negate") is { } negateText)
        {
            try { negate = PropertyValues.ParseBool("negate", negateText); }
            catch (PropertyException ex) { Error("negate", $"{label} {ex.Message}"); }
        }
        List<MultilineRule> rules = [];
        if (type == MultilineType.Regex)
        {
            var texts = p.GetAll("rule");
            if (texts.Count == 0) Error("rule", $"{label} a regex multiline parser needs rules (rule \"start_state\" \"/regex/\" \"next_state\")");
            var parsed = new List<(string, string, string?)>();
            foreach (var rule in texts)
            {
                var tokens = RuleText.Split(rule.Value);
                if (tokens.Count < 2)
                {
                    problems.Add(new ParserProblem($"{label} rule '{rule.Value}' needs \"state\" \"/regex/\" and optionally \"next_state\"", rule.Location ?? definition.Location, "rule", true));
                    return null;
                }
                parsed.Add((tokens[0], tokens[1], tokens.Count > 2 ? tokens[2] : null));
            }
            try
            {
                var notes = new List<string>();
                rules = MultilineParser.BuildRules(parsed, notes);
                foreach (var note in notes) problems.Add(new ParserProblem($"{label} {note}", At("rule"), "rule", false));
            }
            catch (FormatException ex)
            {
                Error("rule", $"{label} {ex.Message}");
            }
        }
        else if (Get("match_string") is null)
        {
            Error("match_string", $"{label} type {typeText} needs match_string");
        }
        if (problems.Any(x => x.IsError && x.Message.StartsWith(label, StringComparison.Ordinal))) return null;
        return new MultilineParser
        {
            Name = name,
            Type = type,
            MatchString = Get("match_string") is { } match ? System.Text.Encoding.UTF8.GetBytes(match) : null,
            Negate = negate,
            FlushTimeoutMs = flush,
            KeyContent = Get("key_content"),
            KeyPattern = Get("key_pattern"),
            KeyGroup = Get("key_group"),
            LineParser = lineParser,
            Rules = rules,
        };
    }

    private static IEnumerable<MultilineParser> BuiltIns()
    {
        yield return new MultilineParser
        {
            Name = "docker",
            Type = MultilineType.EndsWith,
            MatchString = "\n"u8.ToArray(),
            KeyContent = "log",
            KeyGroup = "stream",
            LineParser = new JsonParser(new ParserSettings
            {
                Name = "_ml_json_docker", TimeKey = "time", TimeKeep = true,
                Time = new TimeSpec("%Y-%m-%dT%H:%M:%S.%L", strict: false),
            }),
        };
        var cri = OnigmoTranslator.Translate("^(?<time>.+?) (?<stream>stdout|stderr) (?<_p>F|P) (?<log>.*)$");
        yield return new MultilineParser
        {
            Name = "cri",
            Type = MultilineType.Equal,
            MatchString = "F"u8.ToArray(),
            KeyContent = "log",
            KeyGroup = "stream",
            KeyPattern = "_p",
            LineParser = new RegexParser(new ParserSettings
            {
                Name = "_ml_cri", TimeKey = "time", TimeKeep = true, SkipEmptyValues = false,
                Time = new TimeSpec("%Y-%m-%dT%H:%M:%S.%L%z", strict: false),
            }, cri.Pattern, cri.Options, cri.GroupNames, ParserFactory.RegexTimeout),
        };
        yield return Rules("java",
            ("start_state, java_start_exception", @"/(.)(?:Exception|Error|Throwable|V8 errors stack trace)[:\r\n]/", "java_after_exception"),
            ("java_after_exception", @"/^[\t ]*nested exception is:[\t ]*/", "java_start_exception"),
            ("java_after_exception", @"/^[\r\n]*$/", "java_after_exception"),
            ("java_after_exception, java", @"/^[\t ]+(?:eval )?at /", "java"),
            ("java_after_exception, java", @"/^[\t ]+--- End of inner exception stack trace ---$/", "java"),
            ("java_after_exception, java", @"/^--- End of stack trace from previous (?x:)location where exception was thrown ---$/", "java"),
            ("java_after_exception, java", @"/^[\t ]*(?:Caused by|Suppressed):/", "java_after_exception"),
            ("java_after_exception, java", @"/^[\t ]*... \d+ (?:more|common frames omitted)/", "java"));
        yield return Rules("go",
            ("start_state", @"/\bpanic: /", "go_after_panic"),
            ("start_state", "/http: panic serving/", "go_goroutine"),
            ("go_after_panic", "/^$/", "go_goroutine"),
            ("go_after_panic, go_after_signal, go_frame_1", "/^$/", "go_goroutine"),
            ("go_after_panic", @"/^\[signal /", "go_after_signal"),
            ("go_goroutine", @"/^goroutine \d+ \[[^\]]+\]:$/", "go_frame_1"),
            ("go_frame_1", @"/^(?:[^\s.:]+\.)*[^\s.():]+\(|^created by /", "go_frame_2"),
            ("go_frame_2", @"/^\s/", "go_frame_1"));
        yield return Rules("ruby",
            ("start_state, ruby_start_exception", @"/^.+:\d+:in\s+.*/", "ruby_after_exception"),
            ("ruby_after_exception, ruby", @"/^\s+from\s+.*:\d+:in\s+.*/", "ruby"));
        yield return Rules("python",
            ("start_state", @"/^Traceback \(most recent call last\):$/", "python"),
            ("python", @"/^[\t ]+File /", "python_code"),
            ("python_code", @"/[^\t ]/", "python"),
            ("python", @"/^(?:[^\s.():]+\.)*[^\s.():]+:/", "start_state"));
    }

    private static MultilineParser Rules(string name, params (string From, string Regex, string? To)[] rules) => new()
    {
        Name = name,
        Type = MultilineType.Regex,
        Rules = MultilineParser.BuildRules(rules),
    };
}
