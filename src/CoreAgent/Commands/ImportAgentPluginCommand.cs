using System.Management.Automation;
using CoreAgent.Engine.GoPlugins;

namespace CoreAgent.Commands;

/// <summary>Loads Fluent Bit Go output plugins (.so) into the session, like fluent-bit -e.</summary>
[Cmdlet(VerbsData.Import, "AgentPlugin", SupportsShouldProcess = true)]
[OutputType(typeof(AgentPluginInfo))]
public sealed class ImportAgentPluginCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!ShouldProcess(resolved, "Load Go plugin")) continue;
            try
            {
                var plugin = AgentSession.Catalog.ImportGo(resolved, AgentSession.Log);
                WriteObject(new AgentPluginInfo(plugin));
            }
            catch (GoPluginLoadException ex)
            {
                WriteError(CommandErrors.PluginLoad(ex));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "PluginLoadFailed", ErrorCategory.ReadError, resolved));
            }
        }
    }
}
