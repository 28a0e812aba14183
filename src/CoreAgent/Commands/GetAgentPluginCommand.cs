using System.Management.Automation;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>Lists the built-in plugins and the Go plugins imported into the session.</summary>
[Cmdlet(VerbsCommon.Get, "AgentPlugin")]
[OutputType(typeof(AgentPluginInfo))]
[OutputType(typeof(AgentPluginProperty))]
public sealed class GetAgentPluginCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    [Parameter]
    [ValidateSet("Input", "Filter", "Output")]
    public string? Type { get; set; }

    /// <summary>Return the matching properties of the plugins instead of the plugins (tab completion offers the chosen plugin's properties).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PluginPropertyCompleter))]
    public string[]? Property { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var pattern in Name)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = AgentSession.Catalog.All
                .Where(p => wildcard.IsMatch(p.Name) && (Type is null || p.Type.ToString().Equals(Type, StringComparison.OrdinalIgnoreCase)))
                .OrderBy(p => p.Type).ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"no plugin named '{pattern}'; Import-AgentPlugin loads Go plugins"),
                    "PluginNotFound", ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            foreach (var plugin in matches) Write(new AgentPluginInfo(plugin));
        }
    }

    private void Write(AgentPluginInfo plugin)
    {
        if (Property is null)
        {
            WriteObject(plugin);
            return;
        }
        var patterns = Property.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (var property in plugin.Properties.Where(p => patterns.Any(w => w.IsMatch(p.Name)))) WriteObject(property);
    }
}
