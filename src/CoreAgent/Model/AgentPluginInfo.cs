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
        Properties = plugin.AcceptsAnyProperty ? [] : plugin.Properties.Concat(CommonProperties.For(plugin.Type))
            .Where(p => p.Name != "name")
            .Select(p => new AgentPluginProperty(p.Name, p.Type.ToString(), p.Default, p.Description))
            .ToArray();
    }

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
