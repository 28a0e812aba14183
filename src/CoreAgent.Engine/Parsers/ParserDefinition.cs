using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Parsers;

/// <summary>A [PARSER] or [MULTILINE_PARSER] section as configured: its keys (case-insensitive) and where it is.</summary>
public sealed class ParserDefinition(PluginProperties properties, SourceLocation? location = null)
{
    public PluginProperties Properties { get; } = properties;
    public SourceLocation? Location { get; } = location;
    public string? Name => Properties.Get("name")?.Trim();

    public static ParserDefinition Of(params (string Key, string Value)[] properties)
    {
        var props = new PluginProperties();
        foreach (var (key, value) in properties) props.Add(key, value);
        return new ParserDefinition(props);
    }
}

/// <summary>A problem in a parser definition; errors keep the parser out of the registry.</summary>
public sealed record ParserProblem(string Message, SourceLocation? Location, string? Key, bool IsError)
{
    public override string ToString() => Location is null ? Message : $"{Location}: {Message}";
}
