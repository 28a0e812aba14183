using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Makes the relative paths of a definition absolute against a directory of the caller's choosing
/// (the cmdlets pass PowerShell's current location): the properties whose spec says they name files
/// or folders (<see cref="PropertySpec.PathValue"/>), in [SERVICE] and in every instance of a known
/// plugin. Go plugins declare no properties, so their values are passed on as they are.
/// </summary>
public static class RelativePaths
{
    public static void Resolve(PipelineDefinition definition, PluginCatalog catalog, string baseDirectory)
    {
        ResolveIn(definition.Service, ServiceSettings.Specs, baseDirectory);
        ResolveAll(definition.Inputs, PluginType.Input, catalog, baseDirectory);
        ResolveAll(definition.Filters, PluginType.Filter, catalog, baseDirectory);
        ResolveAll(definition.Outputs, PluginType.Output, catalog, baseDirectory);
    }

    private static void ResolveAll(List<PluginInstanceSpec> instances, PluginType type, PluginCatalog catalog, string baseDirectory)
    {
        foreach (var instance in instances)
        {
            if (catalog.Find(instance.PluginName, type) is { } plugin) ResolveIn(instance.Properties, plugin.Properties, baseDirectory);
        }
    }

    private static void ResolveIn(PluginProperties properties, IReadOnlyList<PropertySpec> specs, string baseDirectory)
    {
        foreach (var spec in specs)
        {
            if (spec.PathValue == PathValue.None || !properties.Contains(spec.Name)) continue;
            properties.MapValues(spec.Name, value => spec.PathValue == PathValue.CommaList
                ? string.Join(",", value.Split(',').Select(part => Absolute(part, baseDirectory)))
                : Absolute(value, baseDirectory));
        }
    }

    // Blank values stay blank (the plugin reports them); patterns (*, ?) are joined as text, never expanded here.
    private static string Absolute(string value, string baseDirectory)
    {
        string trimmed = value.Trim();
        if (trimmed.Length == 0 || Path.IsPathRooted(trimmed)) return value;
        return Path.GetFullPath(Path.Combine(baseDirectory, trimmed));
    }
}
