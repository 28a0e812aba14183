using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Lists the session's pipelines with their state, uptime and counters.</summary>
[Cmdlet(VerbsCommon.Get, "AgentPipeline", DefaultParameterSetName = PipelineSelector.NameSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class GetAgentPipelineCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Id")]
    public Guid[] Id { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Id")
        {
            foreach (var id in Id)
            {
                var match = AgentSession.Pipelines.FirstOrDefault(p => p.Id == id);
                if (match is null) WriteError(PipelineSelector.NotFound(id.ToString(), "id"));
                else WriteObject(match);
            }
            return;
        }
        foreach (var handle in PipelineSelector.Select(this, [], Name)) WriteObject(handle);
    }
}
