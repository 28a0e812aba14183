using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>One configured plugin instance: which plugin and with what settings.</summary>
public sealed class PluginInstanceSpec(string pluginName, PluginProperties properties, SourceLocation? location = null)
{
    public string PluginName { get; } = pluginName;
    public PluginProperties Properties { get; } = properties;
    public SourceLocation? Location { get; } = location;

    public static PluginInstanceSpec Of(string pluginName, params (string Key, string Value)[] properties)
    {
        var props = new PluginProperties();
        foreach (var (key, value) in properties) props.Set(key, value);
        return new PluginInstanceSpec(pluginName, props);
    }
}

/// <summary>
/// A pipeline as configured, before anything runs: what cmdlets, configuration files and tests
/// build, and what <see cref="AgentPipeline.Build"/> validates.
/// </summary>
public sealed class PipelineDefinition
{
    public string Name { get; set; } = "pipeline";
    public PluginProperties Service { get; init; } = new();
    public List<PluginInstanceSpec> Inputs { get; init; } = [];
    public List<PluginInstanceSpec> Filters { get; init; } = [];
    public List<PluginInstanceSpec> Outputs { get; init; } = [];

    /// <summary>Go plugins (.so) to load before the pipeline is built, like fluent-bit -e.</summary>
    public List<string> PluginPaths { get; init; } = [];

    /// <summary>[PARSER] sections (parsers files, YAML parsers:), in the order read.</summary>
    public List<ParserDefinition> Parsers { get; init; } = [];

    /// <summary>[MULTILINE_PARSER] sections (parsers files, YAML multiline_parsers:).</summary>
    public List<ParserDefinition> MultilineParsers { get; init; } = [];

    /// <summary>
    /// Full paths of the [SERVICE] parsers_file files already read into <see cref="Parsers"/> (by the
    /// configuration readers); the pipeline build reads any other parsers_file itself.
    /// </summary>
    public List<string> ParsersFilesLoaded { get; init; } = [];
}
