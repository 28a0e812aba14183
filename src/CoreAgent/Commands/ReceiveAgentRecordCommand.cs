using System.Management.Automation;
using CoreAgent.Commands.Records;

namespace CoreAgent.Commands;

/// <summary>
/// Returns the records a pipeline's powershell output has buffered, as CoreAgent.Record objects;
/// with -Wait, keeps returning them as they arrive until the pipeline stops or Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "AgentRecord", DefaultParameterSetName = PipelineSelector.PipelineSet)]
[OutputType(MsgPackToPSObject.RecordTypeName)]
public sealed class ReceiveAgentRecordCommand : PSCmdlet
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly List<RecordStream> _waiting = [];
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = PipelineSelector.IdSet)]
    public Guid[] Id { get; set; } = [];

    /// <summary>Keep returning records as they arrive, until the pipelines stop or Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Only this powershell output instance (for pipelines with several).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PowerShellOutputNameCompleter))]
    public string? Output { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var handle in PipelineSelector.Select(this, Pipeline, Name, Id))
        {
            var stream = RecordStream.Open(handle, Output);
            if (stream is null)
            {
                WriteError(NoPowerShellOutput(handle, Output));
                continue;
            }
            if (Wait)
            {
                if (!_waiting.Any(s => s.Pipeline == handle)) _waiting.Add(stream);
                continue;
            }
            foreach (var record in stream.TakeAvailable()) WriteObject(record);
        }
    }

    protected override void EndProcessing()
    {
        while (_waiting.Count > 0 && !_cancel.IsCancellationRequested)
        {
            foreach (var stream in _waiting)
            {
                foreach (var record in stream.TakeAvailable()) WriteObject(record);
            }
            _waiting.RemoveAll(s => s.IsFinished);
            if (_waiting.Count == 0) break;
            Task.WaitAny([.. _waiting.Select(s => s.WhenAvailable())], PollInterval);
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    internal static ErrorRecord NoPowerShellOutput(AgentPipelineInfo handle, string? outputName)
    {
        var names = RecordStream.OutputNames(handle);
        string message = outputName is null || names.Length == 0
            ? $"pipeline '{handle.Name}' has no powershell output: add one, for example -Output powershell or -Output @{{ Name = 'powershell'; Match = '*' }}"
            : $"pipeline '{handle.Name}' has no powershell output named '{outputName}' (its powershell outputs: {string.Join(", ", names)})";
        return new ErrorRecord(new InvalidOperationException(message), CommandErrors.NoPowerShellOutput, ErrorCategory.ObjectNotFound, handle);
    }
}
