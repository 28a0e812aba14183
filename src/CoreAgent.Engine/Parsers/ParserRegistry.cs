using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Parsers;

/// <summary>
/// The parsers a pipeline knows, by name (case-sensitive, as flb_parser_get compares names). Plugins
/// get it as <c>PluginContext.Parsers</c> and look names up when they start; see <see cref="Parser"/>.
/// </summary>
public sealed class ParserRegistry
{
    private readonly Dictionary<string, Parser> _parsers = new(StringComparer.Ordinal);

    public static ParserRegistry Empty => new();

    public IReadOnlyCollection<Parser> All => _parsers.Values;

    /// <summary>The multiline parsers: built-ins (docker, cri, go, python, java, ruby) and [MULTILINE_PARSER] sections.</summary>
    public Multiline.MultilineRegistry Multiline { get; set; } = Parsers.Multiline.MultilineRegistry.Empty;

    public Parser? Find(string name) => _parsers.GetValueOrDefault(name.Trim());

    public bool TryGet(string name, out Parser parser) => _parsers.TryGetValue(name.Trim(), out parser!);

    /// <summary>The names known, sorted, for messages.</summary>
    public string KnownNames => _parsers.Count == 0 ? "none are defined" : string.Join(", ", _parsers.Keys.Order(StringComparer.Ordinal));

    /// <summary>Builds every definition; a bad one or a repeated name is a problem (an error: Fluent Bit refuses the file).</summary>
    public static ParserRegistry Create(IEnumerable<ParserDefinition> definitions, AgentLog? log, List<ParserProblem> problems, Func<DateTimeOffset>? now = null)
    {
        var registry = new ParserRegistry();
        foreach (var definition in definitions)
        {
            var parser = ParserFactory.Create(definition, problems, now);
            if (parser is null) continue;
            if (registry._parsers.TryGetValue(parser.Name, out var first))
            {
                problems.Add(new ParserProblem($"[parser] parser named '{parser.Name}' already exists (first at {first.Location?.ToString() ?? "?"})",
                    definition.Location, "name", true));
                continue;
            }
            parser.Log = log ?? AgentLog.Null;
            registry._parsers[parser.Name] = parser;
        }
        return registry;
    }

    /// <summary>Adds a parser built elsewhere (tests, cmdlets); replaces one of the same name.</summary>
    public void Add(Parser parser) => _parsers[parser.Name] = parser;
}
