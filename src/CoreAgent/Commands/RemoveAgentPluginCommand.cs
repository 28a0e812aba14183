using System.Management.Automation;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>
/// Takes imported Go plugins out of the session's catalog, so a rebuilt .so at the same path can be
/// imported again. Only a plugin that was never loaded into this process can go: an isolated
/// output (the default) runs in plugin host processes; a library loaded in-process cannot be
/// dlclosed (its Go runtime cannot stop).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "AgentPlugin", SupportsShouldProcess = true)]
public sealed class RemoveAgentPluginCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var pattern in Name)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = AgentSession.Catalog.All.Where(p => wildcard.IsMatch(p.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"no plugin named '{pattern}'"), "PluginNotFound", ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            foreach (var plugin in matches)
            {
                if (plugin.Origin != PluginOrigin.Go)
                {
                    // A wildcard that also covers built-ins removes only the Go plugins.
                    if (!WildcardPattern.ContainsWildcardCharacters(pattern))
                        WriteError(new ErrorRecord(new InvalidOperationException($"'{plugin.Name}' is a built-in plugin; only imported Go plugins can be removed"),
                            "PluginIsBuiltIn", ErrorCategory.InvalidOperation, plugin.Name));
                    continue;
                }
                Remove(plugin);
            }
        }
    }

    private void Remove(PluginDescriptor plugin)
    {
        string path = plugin.Path!;
        if (GoPluginLibrary.IsLoaded(path))
        {
            string how = $"an {(plugin.Type == PluginType.Input ? "input" : "output")} instance ran with isolation none";
            WriteError(new ErrorRecord(new InvalidOperationException(
                $"'{plugin.Name}' ({path}) is loaded into this process ({how}): a shared object with a Go runtime cannot be unloaded (dlclose cannot stop a Go runtime), " +
                "so it stays loaded until PowerShell exits. Start a new session to load a rebuilt file; plugins run with isolation process (the default) can be removed and imported again."),
                "PluginLoadedInProcess", ErrorCategory.InvalidOperation, plugin.Name));
            return;
        }
        var users = AgentSession.Pipelines
            .Where(p => p.Engine.State is PipelineState.Created or PipelineState.Starting or PipelineState.Running or PipelineState.Stopping
                && (p.Engine.Outputs.Any(o => o.Plugin == plugin) || p.Engine.Inputs.Any(i => i.Plugin == plugin)))
            .Select(p => p.Name).ToList();
        if (users.Count > 0 || GoOutput.HostsRunning(path))
        {
            string which = users.Count > 0 ? $"pipeline {string.Join(", ", users.Select(u => $"'{u}'"))}" : "a running plugin host";
            WriteError(new ErrorRecord(new InvalidOperationException($"'{plugin.Name}' is in use by {which}; stop it first (Stop-AgentPipeline)"),
                "PluginInUse", ErrorCategory.ResourceBusy, plugin.Name));
            return;
        }
        if (!ShouldProcess(path, $"Remove Go plugin '{plugin.Name}'")) return;
        AgentSession.Catalog.Remove(plugin);
        WriteVerbose($"removed '{plugin.Name}' ({path}); Import-AgentPlugin loads the file again");
    }
}
