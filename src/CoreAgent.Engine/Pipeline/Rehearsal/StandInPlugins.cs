using CoreAgent.Engine.Config;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.Pipeline.Rehearsal;

/// <summary>
/// Stand-ins for Go plugins a rehearsal cannot load. A configuration tested on a machine without
/// its Go plugins (plugins_file or a [PLUGINS] Path that does not exist there) still names them in
/// its sections; when a plugin it names is missing, every input or output name the catalog does not
/// know is taken to be one of the missing plugins. A stand-in routes like the real output (its Match
/// rules are the section's) but never runs: its Init throws.
/// </summary>
public static class StandInPlugins
{
    public const string Description = "stand-in for a Go plugin that could not be loaded (Test-AgentPipeline)";

    /// <summary>
    /// True when a plugin the configuration names is missing: a plugin path that does not exist,
    /// a plugins_file that does not exist, or an extra path (-PluginPath) that does not exist.
    /// </summary>
    public static bool AnyMissing(ConfigLoadResult loaded, IEnumerable<string>? extraPluginPaths = null) =>
        loaded.Findings.Any(IsMissingPluginFinding)
        || loaded.Definition.PluginPaths.Concat(extraPluginPaths ?? []).Any(p => !File.Exists(p));

    /// <summary>The findings that say a Go plugin (or the plugins file) is missing; a rehearsal takes them as notes, not problems.</summary>
    public static bool IsMissingPluginFinding(ConfigFinding finding) =>
        finding.Code == FindingCodes.PluginPathNotFound
        || (finding.Code == FindingCodes.FileNotFound && string.Equals(finding.Key, "plugins_file", StringComparison.OrdinalIgnoreCase));

    /// <summary>True for a plugin made by <see cref="With"/>.</summary>
    public static bool IsStandIn(PluginDescriptor plugin) => plugin.Origin == PluginOrigin.Go && plugin.Path is null && plugin.Description == Description;

    /// <summary>A copy of the catalog with a stand-in for every input and output name of the definition it does not know.</summary>
    public static PluginCatalog With(PipelineDefinition definition, PluginCatalog catalog)
    {
        var copy = new PluginCatalog();
        foreach (var plugin in catalog.All) copy.Add(plugin);
        foreach (var (specs, type) in new[] { (definition.Inputs, PluginType.Input), (definition.Outputs, PluginType.Output) })
        {
            foreach (var spec in specs)
            {
                string name = spec.PluginName.Trim();
                if (name.Length == 0 || copy.Find(name, type) is not null) continue;
                copy.Add(new PluginDescriptor
                {
                    Name = name,
                    Description = Description,
                    Type = type,
                    Origin = PluginOrigin.Go, // a Go plugin declares no properties: any key is accepted
                    CreateInput = type == PluginType.Input ? () => new StandInInput(name) : null,
                    CreateOutput = type == PluginType.Output ? () => new StandInOutput(name) : null,
                });
            }
        }
        return copy;
    }

    private static PluginException CannotRun(string name) =>
        new($"plugin '{name}' stands in for a Go plugin that could not be loaded; it cannot run");

    private sealed class StandInInput(string name) : IInputPlugin
    {
        public void Init(InputContext context) => throw CannotRun(name);
        public void Run(CancellationToken cancellation) => throw CannotRun(name);
    }

    private sealed class StandInOutput(string name) : IOutputPlugin
    {
        public void Init(OutputContext context) => throw CannotRun(name);
        public FlushResult Flush(Records.Chunk chunk) => throw CannotRun(name);
        public void Exit() { }
    }
}
