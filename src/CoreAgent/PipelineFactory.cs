using System.Management.Automation;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Commands;

/// <summary>Builds an engine pipeline for a cmdlet: loads -PluginPath plugins, validates, registers the handle.</summary>
internal static class PipelineFactory
{
    /// <summary>Builds the pipeline (the caller has asked ShouldProcess) or throws a terminating error through the cmdlet. Warnings found while building are written.</summary>
    /// <param name="findingsShown">The definition came from a configuration file whose findings (warnings included) were already written.</param>
    public static AgentPipelineInfo Build(PSCmdlet cmdlet, PipelineDefinition definition, bool findingsShown = false)
    {
        foreach (var path in definition.PluginPaths)
        {
            string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                AgentSession.Catalog.ImportGo(resolved, AgentSession.Log);
            }
            catch (GoPluginLoadException ex)
            {
                cmdlet.ThrowTerminatingError(CommandErrors.PluginLoad(ex));
            }
        }

        // -Service @{ Parsers_File = 'x.conf' }: relative to the PowerShell location, not the process's.
        var parsersFiles = definition.Service.GetAll("parsers_file");
        if (parsersFiles.Count > 0)
        {
            definition.Service.Remove("parsers_file");
            foreach (var file in parsersFiles)
                definition.Service.Add("parsers_file", cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(file.Value.Trim()), file.Location);
        }

        // Tail's Path, the file output's Path, storage.path, sockets and certificates: a relative path
        // means the user's PowerShell location, which pwsh does not make the process's directory.
        RelativePaths.Resolve(definition, AgentSession.Catalog, cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath);

        if (!findingsShown)
        {
            foreach (var key in ServiceSettings.UnknownKeys(definition.Service))
                cmdlet.WriteWarning($"service key '{key.Key}' is not known to CoreAgent and is ignored");
        }
        var log = new AgentLog();
        var buildWarnings = new List<LogEntry>();
        void Collect(LogEntry entry) => buildWarnings.Add(entry);
        log.Written += Collect;
        try
        {
            var engine = AgentPipeline.Build(definition, AgentSession.Catalog, log);
            // A fallback value is reported by the plugin itself at Init, in Fluent Bit's words.
            if (!findingsShown)
                foreach (var warning in engine.BuildWarnings.Where(w => w.Code != ProblemCodes.ValueFallsBack)) cmdlet.WriteWarning(warning.ToString());
            var handle = new AgentPipelineInfo(engine);
            AgentSession.Add(handle);
            return handle;
        }
        catch (Exception ex) when (ex is PipelineBuildException or ArgumentException or FormatException)
        {
            cmdlet.ThrowTerminatingError(CommandErrors.InvalidDefinition(ex, definition.Name));
            throw; // unreachable: ThrowTerminatingError always throws
        }
        finally
        {
            log.Written -= Collect;
            foreach (var entry in buildWarnings.Where(e => e.Level <= LogLevel.Warn))
                cmdlet.WriteWarning($"[{entry.Source}] {entry.Message}");
        }
    }
}
