using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Waits until pipelines have stopped (or failed), like Wait-Job; returns those that did.</summary>
[Cmdlet(VerbsLifecycle.Wait, "AgentPipeline", DefaultParameterSetName = PipelineSelector.PipelineSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class WaitAgentPipelineCommand : PSCmdlet
{
    private readonly List<AgentPipelineInfo> _targets = [];
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = PipelineSelector.IdSet)]
    public Guid[] Id { get; set; } = [];

    /// <summary>How long to wait; by default, without limit.</summary>
    [Parameter]
    public TimeSpan? Timeout { get; set; }

    protected override void ProcessRecord() => _targets.AddRange(PipelineSelector.Select(this, Pipeline, Name, Id));

    protected override void EndProcessing()
    {
        var deadline = Timeout is { } t ? DateTime.UtcNow + t : DateTime.MaxValue;
        var all = Task.WhenAll(_targets.Select(p => p.Engine.Completion));
        while (!all.IsCompleted && !_cancel.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var slice = deadline - DateTime.UtcNow;
            all.Wait(slice < TimeSpan.FromMilliseconds(200) ? slice : TimeSpan.FromMilliseconds(200));
        }
        foreach (var handle in _targets.Where(p => p.Engine.Completion.IsCompleted)) WriteObject(handle);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
