using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins;

public enum PluginOrigin { BuiltIn, Go }

/// <summary>Everything the engine knows about a plugin before an instance exists.</summary>
public sealed class PluginDescriptor
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required PluginType Type { get; init; }
    public PluginOrigin Origin { get; init; } = PluginOrigin.BuiltIn;

    /// <summary>The shared object for Go plugins; null for built-ins.</summary>
    public string? Path { get; init; }

    /// <summary>The plugin's own properties. Go plugins declare none and accept any key.</summary>
    public IReadOnlyList<PropertySpec> Properties { get; init; } = [];

    public bool AcceptsAnyProperty => Origin == PluginOrigin.Go;

    /// <summary>Go plugins: what was learnt from the file and from its registration.</summary>
    public GoPlugins.GoPluginFacts? Go { get; init; }

    public Func<IInputPlugin>? CreateInput { get; init; }
    public Func<IOutputPlugin>? CreateOutput { get; init; }
    public Func<IFilterPlugin>? CreateFilter { get; init; }

    public override string ToString() => $"{Type.ToString().ToLowerInvariant()} {Name}";
}
