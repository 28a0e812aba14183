using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Commands;

/// <summary>A plugin as Get-AgentPlugin and Import-AgentPlugin show it.</summary>
public sealed class AgentPluginInfo
{
    internal AgentPluginInfo(PluginDescriptor plugin)
    {
        Name = plugin.Name;
        Description = plugin.Description;
        Type = plugin.Type.ToString();
        Source = plugin.Origin == PluginOrigin.Go ? "Go" : "BuiltIn";
        Path = plugin.Path;
        // Go plugins take any key; the ones listed are those the engine handles (event_shape, isolation).
        Properties = (plugin.AcceptsAnyProperty ? plugin.Properties : plugin.Properties.Concat(CommonProperties.For(plugin.Type)))
            .Where(p => p.Name != "name")
            .Select(p => new AgentPluginProperty(p.Name, p.Type.ToString(), p.Default, p.Description))
            .ToArray();
        if (plugin.Go is { } go)
        {
            Sdk = go.Sdk.Sdk;
            SdkRevision = go.Sdk.Revision;
            EventShape = go.Sdk.Shape.ToString();
            EventShapeReason = go.Sdk.Evidence;
            EntryPoints = [.. go.EntryPoints];
            LoadedInProcess = plugin.Path is not null && GoPluginLibrary.IsLoaded(plugin.Path);
            // Inputs and outputs run in a plugin host unless an instance sets isolation none.
            Isolation = "Process";
        }
    }

    /// <summary>
    /// Go plugins: where instances run by default: Process, a supervised plugin host, so a crash
    /// cannot take the session down; an instance with isolation none runs in-process.
    /// </summary>
    public string? Isolation { get; }

    /// <summary>Go plugins: true once the library is loaded into this process (an instance used with isolation none); it cannot be unloaded then.</summary>
    public bool LoadedInProcess { get; }

    /// <summary>Go plugins: the SDK's module path (github.com/fluent/fluent-bit-go or github.com/calyptia/plugin), or "unknown".</summary>
    public string? Sdk { get; }

    /// <summary>Go plugins: the SDK's version from the build info, or "unknown".</summary>
    public string? SdkRevision { get; }

    /// <summary>Go plugins: V2 or Legacy, the shape Flush gets unless the output sets event_shape.</summary>
    public string? EventShape { get; }

    /// <summary>Go plugins: why that shape was chosen (build info or symbols).</summary>
    public string? EventShapeReason { get; }

    /// <summary>Go plugins: the FLBPlugin* functions the library exports.</summary>
    public string[] EntryPoints { get; } = [];

    public string Name { get; }
    public string Description { get; }

    /// <summary>Input, Filter or Output.</summary>
    public string Type { get; }

    /// <summary>BuiltIn or Go.</summary>
    public string Source { get; }

    /// <summary>The shared object a Go plugin was loaded from.</summary>
    public string? Path { get; }

    /// <summary>The properties the plugin accepts; empty for Go plugins, which accept any key.</summary>
    public AgentPluginProperty[] Properties { get; }

    public override string ToString() => Name;
}

public sealed record AgentPluginProperty(string Name, string Type, string? Default, string Description);
