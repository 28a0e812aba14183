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
[OutputType(typeof(AgentPipelineJob))]
[OutputType(Records.MsgPackToPSObject.RecordTypeName)]
public sealed class StartAgentPipelineCommand : PSCmdlet
{
    private const string PipelineSet = "Pipeline";
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    /// <summary>A Fluent Bit configuration file (classic .conf or YAML) to run.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NewAgentPipelineCommand.PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [Parameter(ParameterSetName = NewAgentPipelineCommand.PathSet)]
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

    /// <summary>Stop the pipeline gracefully after this long: seconds (5, 1.5, "10") or a TimeSpan.</summary>
    [Parameter]
    [Seconds]
    [ValidateRange("00:00:00.001", "365000.00:00:00")]
    public TimeSpan? Duration { get; set; }

    /// <summary>Run the pipeline as a PowerShell job (Get-Job, Receive-Job, Wait-Job, Stop-Job, Remove-Job) and return the job.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>With -Wait: write the records of the pipeline's powershell outputs as they are flushed, instead of the handle.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (AsJob && Wait) ThrowTerminatingError(AgentPipelineJob.AsJobWithWait());
    }

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
        if (ParameterSetName == PipelineSet) return;
        var definition = ParameterSetName == NewAgentPipelineCommand.PathSet
            ? ConfigFileLoader.Load(this, Path!, Name)
            : DefinitionParameters.Create(this, Name, Input, Filter, Output, Service, PluginPath);
        if (!ShouldProcess(definition.Name, "Start pipeline")) return;
        Run(PipelineFactory.Build(this, definition, findingsShown: ParameterSetName == NewAgentPipelineCommand.PathSet));
    }

    private void Run(AgentPipelineInfo handle)
    {
        if (AsJob)
        {
            if (AgentPipelineJob.Start(this, handle, Duration) is { } job) WriteObject(job);
            return;
        }
        var engine = handle.Engine;
        using var forwarder = new LogForwarder();
        if (Wait) forwarder.Attach(engine.Log);
        // -Debug is fluent-bit -v: without a Log_Level of its own, the pipeline logs at debug level.
        if (Wait && MyInvocation.BoundParameters.ContainsKey("Debug") && engine.Definition.Service.Get("log_level") is null
            && engine.Log.Level < Engine.Logging.LogLevel.Debug)
            engine.Log.Level = Engine.Logging.LogLevel.Debug;
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

        var records = PassThru ? OpenRecords(handle) : null;
        var deadline = Duration is { } d ? DateTime.UtcNow + d : DateTime.MaxValue;
        while (!_cancel.IsCancellationRequested && !engine.Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            var slice = deadline - DateTime.UtcNow;
            if (records is null) engine.Completion.Wait(slice < TimeSpan.FromMilliseconds(200) ? slice : TimeSpan.FromMilliseconds(200));
            else records.WhenAvailable().Wait(slice < TimeSpan.FromMilliseconds(200) ? (slice > TimeSpan.Zero ? slice : TimeSpan.Zero) : TimeSpan.FromMilliseconds(200));
            forwarder.Drain(this);
            WriteRecords(records);
        }
        engine.Stop();
        if (_cancel.IsCancellationRequested) return; // Ctrl+C: the pipeline is stopped, nothing more may be written
        forwarder.Drain(this);
        if (records is not null)
        {
            WriteRecords(records); // what the stop flushed
            return;
        }
        WriteObject(handle);
    }

    private Records.RecordStream? OpenRecords(AgentPipelineInfo handle)
    {
        var records = Records.RecordStream.Open(handle, null);
        if (records is null) WriteError(ReceiveAgentRecordCommand.NoPowerShellOutput(handle, null));
        return records;
    }

    private void WriteRecords(Records.RecordStream? records)
    {
        if (records is null) return;
        foreach (var record in records.TakeAvailable()) WriteObject(record);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
