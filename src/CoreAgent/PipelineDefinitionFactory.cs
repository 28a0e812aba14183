using System.Collections;
using System.Globalization;
using System.Management.Automation;
using CoreAgent.Commands.Filters;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Commands;

/// <summary>
/// Turns -Input/-Output/-Filter/-Service values into a <see cref="PipelineDefinition"/>. A plugin is
/// given as its name (<c>-Input cpu</c>) or as a hashtable of properties with a Name key
/// (<c>-Output @{ Name = 'gstdout'; Match = 'cpu*' }</c>). A -Filter may also be a script block,
/// short for <c>@{ Name = 'powershell'; Match = '*'; Script = { ... } }</c>.
/// </summary>
internal static class PipelineDefinitionFactory
{
    /// <param name="caller">The calling session, where a script-block filter's $using: variables are read; null: none can be.</param>
    public static PipelineDefinition Create(string? name, object[]? inputs, object[]? filters, object[]? outputs,
        IDictionary? service, string[]? pluginPaths, SessionState? caller = null)
    {
        var definition = new PipelineDefinition { Name = string.IsNullOrWhiteSpace(name) ? "pipeline" : name };
        if (service is not null)
            foreach (DictionaryEntry entry in service) definition.Service.Set(KeyOf(entry.Key, "-Service"), ValueOf(entry.Value, $"-Service {entry.Key}"), new SourceLocation("-Service", 0));
        definition.Inputs.AddRange(Specs(inputs, "-Input"));
        definition.Filters.AddRange(Specs(filters, "-Filter").Select(spec => WithUsingValues(spec, caller)));
        definition.Outputs.AddRange(Specs(outputs, "-Output"));
        if (pluginPaths is not null) definition.PluginPaths.AddRange(pluginPaths);
        return definition;
    }

    private static IEnumerable<PluginInstanceSpec> Specs(object[]? values, string parameter)
    {
        if (values is null) yield break;
        for (int i = 0; i < values.Length; i++)
        {
            var location = new SourceLocation(values.Length > 1 ? $"{parameter}[{i}]" : parameter, 0);
            switch (Unwrap(values[i]))
            {
                case string pluginName when !string.IsNullOrWhiteSpace(pluginName):
                    var byName = new PluginProperties();
                    byName.Set("name", pluginName.Trim(), location);
                    yield return new PluginInstanceSpec(pluginName.Trim(), byName, location);
                    break;
                case IDictionary table:
                    var properties = new PluginProperties();
                    foreach (DictionaryEntry entry in table)
                    {
                        string key = KeyOf(entry.Key, parameter);
                        if (properties.Contains(key))
                            throw new ArgumentException($"{location}: property '{key}' is set 2 times");
                        // An array gives a key several values (Record = 'a 1', 'b 2'); the pipeline
                        // build rejects it for a key the plugin takes only once.
                        if (Unwrap(entry.Value) is object[] many)
                            foreach (var item in many) properties.Add(key, ValueOf(item, $"{location} {key}"), location);
                        else
                            properties.Set(key, ValueOf(entry.Value, $"{location} {key}"), location);
                    }
                    string plugin = properties.Get("name") ?? throw new ArgumentException($"{location}: the hashtable has no Name key naming the plugin");
                    yield return new PluginInstanceSpec(plugin, properties, location);
                    break;
                case ScriptBlock block when parameter == "-Filter":
                    yield return ScriptFilter(block, location);
                    break;
                case AgentPluginInfo info:
                    var fromInfo = new PluginProperties();
                    fromInfo.Set("name", info.Name, location);
                    yield return new PluginInstanceSpec(info.Name, fromInfo, location);
                    break;
                default:
                    throw new ArgumentException($"{location}: expected a plugin name or a hashtable of properties, not '{values[i]}'");
            }
        }
    }

    /// <summary>
    /// The script block goes as text (see <see cref="PowerShellFilter"/> for why) and matches every
    /// tag; a hashtable with Match narrows it. Checked here so that a mistake stops the cmdlet at once.
    /// </summary>
    private static PluginInstanceSpec ScriptFilter(ScriptBlock block, SourceLocation location)
    {
        string script = block.ToString();
        try
        {
            // $using: is checked once its values are captured (WithUsingValues, then the filter's Init).
            ScriptText.Check(UsingValues.Rewrite(script));
        }
        catch (PropertyException ex)
        {
            throw new ArgumentException($"{location}: {ex.Reason}", ex);
        }
        var properties = new PluginProperties();
        properties.Set("name", PowerShellFilter.PluginName, location);
        properties.Set("match", "*", location);
        properties.Set("script", script, location);
        return new PluginInstanceSpec(PowerShellFilter.PluginName, properties, location);
    }

    /// <summary>Copies the caller's $using: variables into a powershell filter's <c>using</c> property.</summary>
    private static PluginInstanceSpec WithUsingValues(PluginInstanceSpec spec, SessionState? caller)
    {
        if (caller is null || !spec.PluginName.Equals(PowerShellFilter.PluginName, StringComparison.OrdinalIgnoreCase)
            || spec.Properties.Get("script") is not { } script || spec.Properties.Contains(UsingValues.Property))
            return spec;
        string? captured;
        try
        {
            captured = UsingValues.Capture(script, caller);
        }
        catch (Exception ex) when (ex is ArgumentException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or ItemNotFoundException)
        {
            throw new ArgumentException($"{spec.Location}: {ex.Message}", ex);
        }
        if (captured is not null) spec.Properties.Set(UsingValues.Property, captured, spec.Location);
        return spec;
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    private static string KeyOf(object key, string where) =>
        Unwrap(key)?.ToString() is { Length: > 0 } text ? text.Trim() : throw new ArgumentException($"{where}: a property has an empty name");

    /// <summary>Property values are strings in Fluent Bit; numbers and booleans are written the way a config file would.</summary>
    private static string ValueOf(object? value, string where) => Unwrap(value) switch
    {
        null => throw new ArgumentException($"{where}: the value is null"),
        string s => s,
        bool b => b ? "true" : "false",
        TimeSpan t => t.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary or IEnumerable and not string => throw new ArgumentException($"{where}: expected a single value, not a collection"),
        var other => other.ToString() ?? "",
    };
}
