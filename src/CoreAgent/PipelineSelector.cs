using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Finds pipelines by handle or by name (with wildcards) for the *-AgentPipeline cmdlets.</summary>
internal static class PipelineSelector
{
    public const string PipelineSet = "Pipeline";
    public const string NameSet = "Name";

    public static IEnumerable<AgentPipelineInfo> Select(PSCmdlet cmdlet, AgentPipelineInfo[] handles, string[] names)
    {
        foreach (var handle in handles) yield return handle;
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = AgentSession.Pipelines.Where(p => pattern.IsMatch(p.Name)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) cmdlet.WriteError(NotFound(name));
            foreach (var handle in found) yield return handle;
        }
    }

    public static ErrorRecord NotFound(string name) =>
        new(new ItemNotFoundException($"no pipeline named '{name}' in this session"), CommandErrors.PipelineNotFound, ErrorCategory.ObjectNotFound, name);
}
