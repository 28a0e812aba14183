using System.Buffers;
using System.Management.Automation;
using CoreAgent.Commands.Records;

namespace CoreAgent.Commands;

/// <summary>Converts objects to the bytes of a Fluent Bit chunk: one msgpack event per object, in one byte[].</summary>
[Cmdlet(VerbsData.ConvertTo, "AgentMsgPack")]
[OutputType(typeof(byte[]))]
public sealed class ConvertToAgentMsgPackCommand : PSCmdlet
{
    private readonly PSObjectToMsgPack _encoder = new();
    private readonly ArrayBufferWriter<byte> _chunk = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>The time of every record, instead of each object's Timestamp or the current time.</summary>
    [Parameter]
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Write the legacy shape [EventTime, body], without metadata.</summary>
    [Parameter]
    public SwitchParameter Legacy { get; set; }

    /// <summary>Keep the members PowerShell adds to objects (PSPath, PSDrive, PSProvider, ...), which are left out by default.</summary>
    [Parameter]
    public SwitchParameter KeepPowerShellMembers { get; set; }

    protected override void ProcessRecord()
    {
        _encoder.KeepPowerShellMembers = KeepPowerShellMembers;
        foreach (var item in PSObjectToMsgPack.Unroll(InputObject))
        {
            try
            {
                _chunk.Write(_encoder.Encode(item, Timestamp, Legacy).Span);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException and not OutOfMemoryException)
            {
                WriteError(new ErrorRecord(ex, CommandErrors.RecordConversionFailed, ErrorCategory.InvalidData, item));
            }
        }
    }

    protected override void EndProcessing() => WriteObject(_chunk.WrittenSpan.ToArray(), enumerateCollection: false);
}
