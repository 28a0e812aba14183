using System.Collections;
using System.Management.Automation;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Commands;

/// <summary>
/// Starts a pipeline in the background and returns its handle. With -Wait it runs until Ctrl+C,
/// the end of -Duration or its own stop, writing the engine's log to the verbose and warning streams.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "AgentPipeline", SupportsShouldProcess = true, DefaultParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class StartAgentPipelineCommand : PSCmdlet
{
    private const string PipelineSet = "Pipeline";
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Input { get; set; } = [];

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    public object[]? Filter { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Output { get; set; } = [];

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    public Hashtable? Service { get; set; }

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ValidateNotNullOrEmpty]
    public string[]? PluginPath { get; set; }

    /// <summary>Keep the cmdlet running until Ctrl+C, the end of -Duration, or the pipeline stops.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Stop the pipeline gracefully after this long.</summary>
    [Parameter]
    [ValidateRange("00:00:00.001", "365000.00:00:00")]
    public TimeSpan? Duration { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PipelineSet)
        {
            foreach (var handle in Pipeline)
            {
                if (ShouldProcess(handle.Name, "Start pipeline")) Run(handle);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != NewAgentPipelineCommand.DefinitionSet) return;
        var definition = DefinitionParameters.Create(this, Name, Input, Filter, Output, Service, PluginPath);
        if (!ShouldProcess(definition.Name, "Start pipeline")) return;
        Run(PipelineFactory.Build(this, definition));
    }

    private void Run(AgentPipelineInfo handle)
    {
        var engine = handle.Engine;
        using var forwarder = new LogForwarder();
        if (Wait) forwarder.Attach(engine.Log);
        try
        {
            engine.Start();
        }
        catch (InvalidOperationException ex)
        {
            WriteError(new ErrorRecord(ex, CommandErrors.PipelineAlreadyStarted, ErrorCategory.InvalidOperation, handle));
            return;
        }
        catch (Exception ex) when (ex is PluginException or PropertyException)
        {
            forwarder.Drain(this);
            WriteError(new ErrorRecord(ex, CommandErrors.PipelineStartFailed, ErrorCategory.InvalidOperation, handle));
            return;
        }

        if (!Wait)
        {
            if (Duration is { } lifetime) _ = Task.Delay(lifetime).ContinueWith(_ => engine.Stop(), TaskScheduler.Default);
            WriteObject(handle);
            return;
        }

        var deadline = Duration is { } d ? DateTime.UtcNow + d : DateTime.MaxValue;
        while (!_cancel.IsCancellationRequested && !engine.Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            var slice = deadline - DateTime.UtcNow;
            engine.Completion.Wait(slice < TimeSpan.FromMilliseconds(200) ? slice : TimeSpan.FromMilliseconds(200));
            forwarder.Drain(this);
        }
        engine.Stop();
        if (_cancel.IsCancellationRequested) return; // Ctrl+C: the pipeline is stopped, nothing more may be written
        forwarder.Drain(this);
        WriteObject(handle);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
