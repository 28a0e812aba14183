using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Plugins.Outputs;

namespace CoreAgent.Engine.Plugins;

/// <summary>
/// The plugins a pipeline can use: the built-ins and the Go plugins imported so far. The core never
/// names a particular plugin; it looks them up here.
/// </summary>
public sealed class PluginCatalog
{
    private readonly object _gate = new();
    private readonly List<PluginDescriptor> _plugins = [];

    /// <summary>A catalog with every built-in plugin.</summary>
    public static PluginCatalog CreateDefault()
    {
        var catalog = new PluginCatalog();
        foreach (var builtIn in BuiltInPlugins.All) catalog.Add(builtIn);
        return catalog;
    }

    public IReadOnlyList<PluginDescriptor> All
    {
        get { lock (_gate) return [.. _plugins]; }
    }

    public void Add(PluginDescriptor plugin)
    {
        lock (_gate)
        {
            var clash = _plugins.FirstOrDefault(p => p.Type == plugin.Type && p.Name.Equals(plugin.Name, StringComparison.OrdinalIgnoreCase));
            if (clash is not null && !(clash.Origin == PluginOrigin.Go && clash.Path == plugin.Path))
                throw new GoPluginLoadException(GoPluginLoadError.NameConflict, plugin.Path ?? plugin.Name,
                    $"{plugin.Type.ToString().ToLowerInvariant()} plugin name '{plugin.Name}' is already taken by {(clash.Path is null ? "a built-in plugin" : $"'{clash.Path}'")}");
            if (clash is null) _plugins.Add(plugin);
        }
    }

    /// <summary>Finds a plugin by name (case-insensitive), as [INPUT]/[OUTPUT] Name does.</summary>
    public PluginDescriptor? Find(string name, PluginType type)
    {
        lock (_gate) return _plugins.FirstOrDefault(p => p.Type == type && p.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Imports a Go input or output plugin; importing the same file again returns the same plugin.
    /// An output is not loaded into this process: its registration is read in a short-lived plugin
    /// host, and each instance (input or output) runs where its isolation setting says.
    /// </summary>
    public PluginDescriptor ImportGo(string path, AgentLog? log = null)
    {
        var facts = GoPluginLibrary.Inspect(path);
        lock (_gate)
        {
            var known = _plugins.FirstOrDefault(p => p.Origin == PluginOrigin.Go && p.Path == facts.Path);
            if (known is not null) return known;
        }
        var loaded = GoPluginLibrary.All.FirstOrDefault(l => l.Path == facts.Path);
        var registration = loaded is not null
            ? new GoRegistration(loaded.Name, loaded.Description, loaded.IsInput, loaded.EventType)
            : HostProbe.Describe(facts.Path);
        log?.Debug("go", $"{registration.Name}: fluent-bit-go {facts.Sdk.Revision}, {facts.Sdk.Shape} event shape ({facts.Sdk.Evidence})");
        var plugin = new PluginDescriptor
        {
            Name = registration.Name,
            Description = registration.Description,
            Type = registration.IsInput ? PluginType.Input : PluginType.Output,
            Origin = PluginOrigin.Go,
            Path = facts.Path,
            Properties = registration.IsInput ? GoOutputProperties.InputAll : GoOutputProperties.All,
            Go = new GoPluginFacts(facts.Sdk, facts.EntryPoints, registration.EventType),
            CreateOutput = registration.IsInput ? null : () => new GoOutput(facts.Path, registration.Name),
            CreateInput = registration.IsInput ? () => new GoInputPlugin(facts.Path, registration.Name) : null,
        };
        lock (_gate)
        {
            var known = _plugins.FirstOrDefault(p => p.Origin == PluginOrigin.Go && p.Path == facts.Path);
            if (known is not null) return known;
            Add(plugin);
            return plugin;
        }
    }

    /// <summary>Takes an imported Go plugin out of the catalog, so that its file can be imported again.</summary>
    public bool Remove(PluginDescriptor plugin)
    {
        if (plugin.Origin != PluginOrigin.Go) throw new ArgumentException($"'{plugin.Name}' is a built-in plugin", nameof(plugin));
        lock (_gate) return _plugins.Remove(plugin);
    }
}

/// <summary>The plugins built into the engine.</summary>
public static class BuiltInPlugins
{
    public static IReadOnlyList<PluginDescriptor> All { get; } =
    [
        DummyInput.Descriptor,
        CpuInput.Descriptor,
        PowerShellInput.Descriptor,
        Inputs.Forward.ForwardInput.Descriptor,
        Inputs.Http.HttpInput.Descriptor,
        Inputs.Tail.TailInput.Descriptor,
        Inputs.Tcp.TcpInput.Descriptor,
        Inputs.Syslog.SyslogInput.Descriptor,
        NullOutput.Descriptor,
        StdoutOutput.Descriptor,
        Outputs.File.FileOutput.Descriptor,
        Outputs.Forward.ForwardOutput.Descriptor,
        Outputs.Http.HttpOutput.Descriptor,
        Outputs.Tcp.TcpOutput.Descriptor,
        PowerShellOutput.Descriptor,
        Filters.GrepFilter.Descriptor,
        Filters.RecordModifier.RecordModifierFilter.Descriptor,
        Filters.Modify.ModifyFilter.Descriptor,
        Filters.Parser.ParserFilter.Descriptor,
        Filters.Nest.NestFilter.Descriptor,
        Filters.Throttle.ThrottleFilter.Descriptor,
        Filters.RewriteTag.RewriteTagFilter.Descriptor,
    ];
}
