using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Inputs;

namespace CoreAgent.Commands;

/// <summary>
/// Converts objects to records and appends them to a running pipeline's powershell input. Waits
/// while the input is paused by its Mem_Buf_Limit and fails after -TimeoutSeconds; never drops.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "AgentRecord", DefaultParameterSetName = PipelineSelector.PipelineSet)]
[OutputType(typeof(object))]
public sealed class SendAgentRecordCommand : PSCmdlet
{
    private const int ProgressEvery = 1000;
    private const int ProgressActivityId = 0x5e4d;
    private readonly CancellationTokenSource _cancel = new();
    private readonly PSObjectToMsgPack _encoder = new();
    private RecordWriter _writer = null!;
    private long _sent;
    private bool _progressShown;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo Pipeline { get; set; } = null!;

    /// <summary>The pipeline by name (a wildcard pattern must match exactly one).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>The tag of these records instead of the input's own; outputs match it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>The powershell input instance to use when the pipeline has several.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Input { get; set; }

    /// <summary>How long to wait for a paused input to resume before failing.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Write each input object to the pipeline after it was sent.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Keep the members PowerShell adds to objects (PSPath, PSDrive, PSProvider, ...), which are left out by default.</summary>
    [Parameter]
    public SwitchParameter KeepPowerShellMembers { get; set; }

    protected override void BeginProcessing()
    {
        _encoder.KeepPowerShellMembers = KeepPowerShellMembers;
        if (ParameterSetName == PipelineSelector.NameSet) Pipeline = PipelineSelector.SelectOne(this, Name)!;
        var engine = Pipeline.Engine;
        var candidates = engine.Inputs.Where(i => Input is null || i.Name.Equals(Input, StringComparison.OrdinalIgnoreCase)).ToList();
        InputInstance? input = null;
        RecordWriter? writer = null;
        if (engine.State != PipelineState.Running) ThrowTerminatingError(NotRunning($"pipeline '{Pipeline.Name}' is {engine.State}: start it first (Start-AgentPipeline)"));
        foreach (var candidate in candidates)
        {
            try { writer = PowerShellInput.WriterOf(engine, candidate); }
            catch (InvalidOperationException ex) { ThrowTerminatingError(NotRunning(ex.Message)); }
            if (writer is null) continue;
            input = candidate;
            break;
        }
        if (writer is null || input is null)
        {
            string message = Input is null
                ? $"pipeline '{Pipeline.Name}' has no powershell input: add one, for example -Input powershell"
                : $"pipeline '{Pipeline.Name}' has no powershell input named '{Input}'";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), CommandErrors.NoPowerShellInput, ErrorCategory.ObjectNotFound, Pipeline));
        }
        _writer = writer!;
    }

    protected override void ProcessRecord()
    {
        var timeout = TimeSpan.FromSeconds(TimeoutSeconds);
        foreach (var item in PSObjectToMsgPack.Unroll(InputObject))
        {
            ReadOnlyMemory<byte> encoded;
            try
            {
                encoded = _encoder.Encode(item);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException and not OutOfMemoryException)
            {
                WriteError(new ErrorRecord(ex, CommandErrors.RecordConversionFailed, ErrorCategory.InvalidData, item));
                continue;
            }
            Send(encoded, timeout);
        }
        if (PassThru) WriteObject(InputObject);
    }

    private void Send(ReadOnlyMemory<byte> encoded, TimeSpan timeout)
    {
        try
        {
            _writer.Write(encoded, Tag, timeout, _cancel.Token);
        }
        catch (RecordWriteTimeoutException ex)
        {
            ThrowTerminatingError(new ErrorRecord(new TimeoutException($"{ex.Message}; {_sent} records of this command were sent before", ex),
                CommandErrors.SendTimeout, ErrorCategory.OperationTimeout, Pipeline)
            {
                ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = "Raise -TimeoutSeconds or the input's Mem_Buf_Limit, or check why the outputs are slow (Get-AgentPipeline | Select-Object -ExpandProperty Metrics)." },
            });
        }
        catch (RecordWriterClosedException ex)
        {
            ThrowTerminatingError(NotRunning(ex.Message));
        }
        catch (Engine.Storage.StorageException ex)
        {
            // storage.type filesystem: the record is not accepted because its chunk file could not be written.
            ThrowTerminatingError(new ErrorRecord(new IOException($"{ex.Message}; {_sent} records of this command were sent before", ex),
                CommandErrors.StorageWriteFailed, ErrorCategory.WriteError, Pipeline)
            {
                ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = "Free space under storage.path (or lower storage.total_limit_size), then send the records that were not accepted again." },
            });
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        if (++_sent % ProgressEvery == 0)
        {
            _progressShown = true;
            WriteProgress(new ProgressRecord(ProgressActivityId, "Send-AgentRecord", $"{_sent} records sent to {_writer.InputName} of pipeline '{Pipeline.Name}'"));
        }
    }

    protected override void EndProcessing()
    {
        if (_progressShown)
            WriteProgress(new ProgressRecord(ProgressActivityId, "Send-AgentRecord", $"{_sent} records sent") { RecordType = ProgressRecordType.Completed });
        WriteVerbose($"sent {_sent} records to {_writer.InputName} of pipeline '{Pipeline.Name}' (tag {Tag ?? _writer.Tag})");
    }

    protected override void StopProcessing() => _cancel.Cancel();

    private ErrorRecord NotRunning(string message) =>
        new(new InvalidOperationException(message), CommandErrors.PipelineNotRunning, ErrorCategory.InvalidOperation, Pipeline);
}
