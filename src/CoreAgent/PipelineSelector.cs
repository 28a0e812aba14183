using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Finds pipelines by handle or by name (with wildcards) for the *-AgentPipeline cmdlets.</summary>
internal static class PipelineSelector
{
    public const string PipelineSet = "Pipeline";
    public const string NameSet = "Name";
    public const string IdSet = "Id";

    public static IEnumerable<AgentPipelineInfo> Select(PSCmdlet cmdlet, AgentPipelineInfo[] handles, string[] names, Guid[]? ids = null)
    {
        foreach (var handle in handles) yield return handle;
        foreach (var id in ids ?? [])
        {
            var match = AgentSession.Pipelines.FirstOrDefault(p => p.Id == id);
            if (match is null) cmdlet.WriteError(NotFound(id.ToString(), "id"));
            else yield return match;
        }
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = AgentSession.Pipelines.Where(p => pattern.IsMatch(p.Name)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) cmdlet.WriteError(NotFound(name));
            foreach (var handle in found) yield return handle;
        }
    }

    /// <summary>Exactly one pipeline, for cmdlets that act on one (Send-AgentRecord): a pattern must match one.</summary>
    public static AgentPipelineInfo? SelectOne(PSCmdlet cmdlet, string name)
    {
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        var found = AgentSession.Pipelines.Where(p => pattern.IsMatch(p.Name)).ToList();
        if (found.Count == 1) return found[0];
        if (found.Count == 0) cmdlet.ThrowTerminatingError(NotFound(name));
        cmdlet.ThrowTerminatingError(new ErrorRecord(
            new ArgumentException($"'{name}' matches {found.Count} pipelines ({string.Join(", ", found.Select(p => p.Name))}); name one"),
            CommandErrors.PipelineNotFound, ErrorCategory.InvalidArgument, name));
        return null;
    }

    public static ErrorRecord NotFound(string name, string by = "named") =>
        new(new ItemNotFoundException(by == "id"
                ? $"no pipeline with id {name} in this session (Get-AgentPipeline lists them)"
                : $"no pipeline named '{name}' in this session (Get-AgentPipeline lists them)"),
            CommandErrors.PipelineNotFound, ErrorCategory.ObjectNotFound, name);
}
