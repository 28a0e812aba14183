using System.Management.Automation;
using CoreAgent.Engine.Config;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Commands;

/// <summary>
/// Checks a Fluent Bit configuration file (classic or YAML) without running it: syntax, plugin
/// names (loading the Go plugins it names), properties, routing and paths. Returns $true or $false
/// and writes no errors; with -Detailed, one object per finding.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AgentConfig")]
[OutputType(typeof(bool))]
[OutputType(typeof(ConfigFinding))]
public sealed class TestAgentConfigCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Return every finding (errors, warnings, and what probing learned) instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>Also initialise each Go input and output with its section's settings, report the keys it reads, and exit it again.</summary>
    [Parameter]
    public SwitchParameter ProbePlugins { get; set; }

    /// <summary>Go plugins to load before checking, as -e does for fluent-bit.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? PluginPath { get; set; }

    protected override void ProcessRecord()
    {
        var extra = PluginPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)).ToArray();
        foreach (var path in Path)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            var findings = ConfigChecker.Check(ConfigLoader.Load(resolved), AgentSession.Catalog, ProbePlugins, extra);
            if (Detailed)
            {
                WriteObject(findings, enumerateCollection: true);
                continue;
            }
            // A bare True/False says nothing about why: the findings go to the warning stream, so
            // `if (Test-AgentConfig x)` stays a clean boolean and a person still sees the reason.
            foreach (var finding in findings.Where(f => f.Severity is ConfigSeverity.Error or ConfigSeverity.Warning)) WriteWarning($"{finding.Location}: {finding.Severity.ToString().ToLowerInvariant()}: {finding.Message}");
            WriteObject(!findings.Any(f => f.Severity == ConfigSeverity.Error));
        }
    }
}
