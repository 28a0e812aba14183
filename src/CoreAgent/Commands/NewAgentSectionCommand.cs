using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>
/// Makes one [INPUT], [FILTER] or [OUTPUT] section for -Input, -Filter and -Output, with
/// parameters that Tab can complete: the plugin's name, and its properties as parameters of their
/// own (PowerShell cannot complete inside a hashtable literal).
/// </summary>
[Cmdlet(VerbsCommon.New, "AgentSection")]
[OutputType(typeof(OrderedDictionary))]
public sealed class NewAgentSectionCommand : PSCmdlet, IDynamicParameters
{
    private static readonly HashSet<string> TakenNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Type", "Plugin", "Property", "Tag", "Match", "Alias", "Name",
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
        "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
        // The common parameters' aliases: tail's DB key cannot be -db, it goes in -Property.
        "db", "vb", "ea", "wa", "infa", "proga", "ev", "wv", "iv", "ov", "ob", "pv", "wi", "cf",
    };

    private RuntimeDefinedParameterDictionary? _pluginParameters;

    /// <summary>The kind of section: Input, Filter or Output.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("Input", "Filter", "Output")]
    public string Type { get; set; } = "";

    /// <summary>The plugin of the section (its Name key).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Plugin { get; set; } = "";

    /// <summary>More keys, as in the section; for keys that are not parameters (storage.type, Go plugins' keys).</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>The Tag key (inputs).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>The Match key (filters and outputs).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>The Alias key: the instance's name instead of plugin.N.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    /// <summary>Every property the plugin declares whose name is a valid parameter name becomes a parameter.</summary>
    public object? GetDynamicParameters()
    {
        if (string.IsNullOrEmpty(Plugin) || !Enum.TryParse<PluginType>(Type, ignoreCase: true, out var type)) return null;
        var plugin = AgentSession.Catalog.Find(Plugin, type);
        if (plugin is null) return null;
        _pluginParameters = new RuntimeDefinedParameterDictionary();
        foreach (var spec in plugin.Properties.Concat(Engine.Plugins.Properties.CommonProperties.For(type)))
        {
            if (TakenNames.Contains(spec.Name) || !spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || _pluginParameters.ContainsKey(spec.Name)) continue;
            var attributes = new System.Collections.ObjectModel.Collection<Attribute> { new ParameterAttribute { HelpMessage = spec.Description } };
            _pluginParameters.Add(spec.Name, new RuntimeDefinedParameter(spec.Name, typeof(object), attributes));
        }
        return _pluginParameters;
    }

    protected override void EndProcessing()
    {
        var section = new OrderedDictionary(StringComparer.OrdinalIgnoreCase) { ["Name"] = Plugin };
        if (Alias is not null) section["Alias"] = Alias;
        if (Tag is not null) section["Tag"] = Tag;
        if (Match is not null) section["Match"] = Match;
        foreach (var parameter in _pluginParameters?.Values ?? Enumerable.Empty<RuntimeDefinedParameter>())
            if (parameter.IsSet) section[parameter.Name] = parameter.Value;
        if (Property is not null)
            foreach (DictionaryEntry entry in Property) section[entry.Key.ToString()!] = entry.Value;
        WriteObject(section);
    }
}
