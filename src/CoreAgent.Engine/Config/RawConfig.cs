using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>The section types of Fluent Bit's configuration formats.</summary>
internal enum SectionKind
{
    Service,
    Input,
    Filter,
    Output,
    Plugins,
    Parser,
    MultilineParser,
    Custom,
    StreamProcessor,
    UpstreamServers,
    Other,
}

/// <summary>
/// A property as read, before variables are expanded. The key is already normalised. FromList marks
/// one item of a YAML list value, which only a key the plugin takes several times accepts.
/// </summary>
internal sealed record RawProperty(string Key, string Value, SourceLocation Location, bool FromList = false);

/// <summary>A section as read: its type, its name as written, where its header is, and its properties in order.</summary>
internal sealed class RawSection(SectionKind kind, string name, SourceLocation location, string? display = null)
{
    public SectionKind Kind { get; } = kind;
    public string Name { get; } = name;
    public SourceLocation Location { get; } = location;
    public List<RawProperty> Properties { get; } = [];

    /// <summary>The header as a user would write it, for messages: [INPUT] or the YAML path.</summary>
    public string Display => display ?? Kind switch
    {
        SectionKind.Service => "[SERVICE]",
        SectionKind.Input => "[INPUT]",
        SectionKind.Filter => "[FILTER]",
        SectionKind.Output => "[OUTPUT]",
        SectionKind.Plugins => "[PLUGINS]",
        _ => $"[{Name}]",
    };
}

/// <summary>Fluent Bit's rules for naming sections.</summary>
internal static class SectionNames
{
    /// <summary>
    /// The classic format's rule: the header name is a case-insensitive prefix of the type's name,
    /// tried in Fluent Bit's order ([S] is SERVICE, [P] is PARSER, [IN] is INPUT); plurals are accepted.
    /// </summary>
    /// <summary>The section names of the classic format, as written in Fluent Bit's documentation.</summary>
    public static readonly string[] Classic =
        ["SERVICE", "INPUT", "FILTER", "OUTPUT", "PLUGINS", "PARSER", "MULTILINE_PARSER", "CUSTOM", "STREAM_PROCESSOR", "UPSTREAM_SERVERS"];

    /// <summary>The name a section kind is written with in the classic format.</summary>
    public static string? CanonicalClassic(SectionKind kind) => kind switch
    {
        SectionKind.Service => "SERVICE",
        SectionKind.Input => "INPUT",
        SectionKind.Filter => "FILTER",
        SectionKind.Output => "OUTPUT",
        SectionKind.Plugins => "PLUGINS",
        SectionKind.Parser => "PARSER",
        SectionKind.MultilineParser => "MULTILINE_PARSER",
        SectionKind.Custom => "CUSTOM",
        SectionKind.StreamProcessor => "STREAM_PROCESSOR",
        SectionKind.UpstreamServers => "UPSTREAM_SERVERS",
        _ => null,
    };

    public static SectionKind ClassifyClassic(string name)
    {
        if (name.Length == 0) return SectionKind.Other;
        bool Is(string keyword) => keyword.StartsWith(name, StringComparison.OrdinalIgnoreCase);
        if (Is("service")) return SectionKind.Service;
        if (Is("parser")) return SectionKind.Parser;
        if (Is("multiline_parser")) return SectionKind.MultilineParser;
        if (Is("stream_processor")) return SectionKind.StreamProcessor;
        if (Is("plugins")) return SectionKind.Plugins;
        if (Is("upstream_servers")) return SectionKind.UpstreamServers;
        if (Is("custom") || Is("customs")) return SectionKind.Custom;
        if (Is("input") || Is("inputs")) return SectionKind.Input;
        if (Is("filter") || Is("filters")) return SectionKind.Filter;
        if (Is("output") || Is("outputs")) return SectionKind.Output;
        return SectionKind.Other;
    }
}
