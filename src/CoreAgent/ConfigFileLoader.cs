using System.Management.Automation;
using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Commands;

/// <summary>Reads a configuration file for New-/Start-AgentPipeline -Path; an invalid file is a terminating error carrying every finding.</summary>
internal static class ConfigFileLoader
{
    public const string InvalidConfiguration = "InvalidConfiguration";

    public static PipelineDefinition Load(PSCmdlet cmdlet, string path, string? name)
    {
        string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        var loaded = ConfigLoader.Load(resolved);
        Report(cmdlet, resolved, ConfigChecker.Check(loaded, AgentSession.Catalog));
        if (!string.IsNullOrWhiteSpace(name)) loaded.Definition.Name = name;
        return loaded.Definition;
    }

    /// <summary>Writes the warnings of a checked configuration; its errors, if any, become one terminating error carrying them all.</summary>
    public static void Report(PSCmdlet cmdlet, string resolved, IEnumerable<ConfigFinding> findings)
    {
        var all = findings.ToList();
        foreach (var warning in all.Where(f => f.Severity == ConfigSeverity.Warning)) cmdlet.WriteWarning(warning.ToString());
        var errors = all.Where(f => f.Severity == ConfigSeverity.Error).ToArray();
        if (errors.Length > 0)
        {
            var message = $"the configuration '{resolved}' is not valid:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
            cmdlet.ThrowTerminatingError(new ErrorRecord(new InvalidDataException(message), InvalidConfiguration, ErrorCategory.InvalidData, errors));
        }
    }
}
