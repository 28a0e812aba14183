using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Stops pipelines gracefully: inputs stop, accepted records are flushed within Grace, plugins exit.</summary>
[Cmdlet(VerbsLifecycle.Stop, "AgentPipeline", SupportsShouldProcess = true, DefaultParameterSetName = PipelineSelector.PipelineSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class StopAgentPipelineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = PipelineSelector.IdSet)]
    public Guid[] Id { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<AgentPipelineInfo> _selected = [];

    protected override void ProcessRecord()
    {
        foreach (var handle in PipelineSelector.Select(this, Pipeline, Name, Id))
        {
            if (ShouldProcess(handle.Name, "Stop pipeline") && !_selected.Contains(handle)) _selected.Add(handle);
        }
    }

    /// <summary>
    /// Every selected pipeline (from -Name or from the pipeline) stops at once: a plugin that hangs
    /// costs its own pipeline the grace period, not every pipeline after it.
    /// </summary>
    protected override void EndProcessing()
    {
        var before = _selected.Select(h => h.Engine.Discards.Records).ToArray();
        var stops = _selected.Select(h => Task.Run(h.Engine.Stop)).ToArray();
        for (int i = 0; i < _selected.Count; i++)
        {
            var handle = _selected[i];
            try
            {
                stops[i].GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                WriteError(new ErrorRecord(ex, "PipelineStopFailed", ErrorCategory.InvalidOperation, handle));
                continue;
            }
            // The counters are final once Stop returns: say what was lost and why, in front of the user.
            if (handle.Engine.Discards.Records > before[i] && handle.Engine.Discards.Describe(handle.Name) is { } discarded)
                WriteWarning(discarded);
            if (PassThru) WriteObject(handle);
        }
    }
}
