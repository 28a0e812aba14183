using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Config;

/// <summary>
/// What reading a configuration produced: the best-effort pipeline (always present, even when the
/// file is broken), every problem found, and the files that were read.
/// </summary>
public sealed class ConfigLoadResult(PipelineDefinition definition, IReadOnlyList<ConfigFinding> findings, IReadOnlyList<string> filesRead)
{
    public PipelineDefinition Definition { get; } = definition;

    /// <summary>Every finding, ordered by file (in reading order) and line.</summary>
    public IReadOnlyList<ConfigFinding> Findings { get; } = findings;

    /// <summary>Full paths of every file read: the main file, its includes and the plugins file.</summary>
    public IReadOnlyList<string> FilesRead { get; } = filesRead;

    public bool HasErrors => Findings.Any(f => f.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigFinding> Errors => Findings.Where(f => f.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigFinding> Warnings => Findings.Where(f => f.Severity == ConfigSeverity.Warning);
}
