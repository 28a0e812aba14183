using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Stops pipelines gracefully: inputs stop, accepted records are flushed within Grace, plugins exit.</summary>
[Cmdlet(VerbsLifecycle.Stop, "AgentPipeline", SupportsShouldProcess = true, DefaultParameterSetName = PipelineSelector.PipelineSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class StopAgentPipelineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var handle in PipelineSelector.Select(this, Pipeline, Name))
        {
            if (!ShouldProcess(handle.Name, "Stop pipeline")) continue;
            long before = handle.Engine.Discards.Records;
            handle.Engine.Stop();
            // The counters are final once Stop returns: say what was lost and why, in front of the user.
            if (handle.Engine.Discards.Records > before && handle.Engine.Discards.Describe(handle.Name) is { } discarded)
                WriteWarning(discarded);
            if (PassThru) WriteObject(handle);
        }
    }
}
