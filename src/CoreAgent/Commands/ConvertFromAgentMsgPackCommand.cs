using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Commands;

/// <summary>
/// Decodes the bytes of a Fluent Bit chunk (v2 events and both legacy shapes) into CoreAgent.Record
/// objects. Byte arrays from the pipeline are joined first, so an unrolled byte[] decodes too.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "AgentMsgPack", DefaultParameterSetName = BytesSet)]
[OutputType(MsgPackToPSObject.RecordTypeName)]
public sealed class ConvertFromAgentMsgPackCommand : PSCmdlet
{
    private const string BytesSet = "Bytes";
    private const string PathSet = "Path";
    private readonly MemoryStream _bytes = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = BytesSet)]
    [AllowEmptyCollection]
    public byte[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The Tag of the records (chunk bytes do not carry one).</summary>
    [Parameter]
    public string? Tag { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == BytesSet)
        {
            _bytes.Write(InputObject);
            return;
        }
        foreach (var pattern in Path)
        {
            List<string> files;
            try
            {
                files = [.. GetResolvedProviderPathFromPSPath(pattern, out _)];
            }
            catch (Exception ex) when (ex is ItemNotFoundException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or NotSupportedException)
            {
                WriteError(new ErrorRecord(ex, CommandErrors.PathNotFound, ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            foreach (var file in files)
            {
                byte[] content;
                try { content = File.ReadAllBytes(file); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, CommandErrors.FileReadFailed, ErrorCategory.ReadError, file));
                    continue;
                }
                Decode(content, file);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == BytesSet) Decode(_bytes.GetBuffer().AsMemory(0, (int)_bytes.Length), null);
    }

    private void Decode(ReadOnlyMemory<byte> bytes, string? source)
    {
        var reader = new MessagePackReader(bytes);
        while (!reader.End)
        {
            long start = reader.Consumed;
            PSObject record;
            try
            {
                var e = EventReader.ReadOne(ref reader, bytes);
                record = MsgPackToPSObject.ToRecord(e, Tag);
            }
            catch (Exception ex) when (ex is FormatException or MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
            {
                string where = source is null ? "" : $"{source}: ";
                string message = ex.Message.Contains("at byte ") ? ex.Message : $"event at byte {start} is not valid: {ex.Message}";
                WriteError(new ErrorRecord(new FormatException(where + message, ex), CommandErrors.InvalidMsgPack, ErrorCategory.InvalidData, source ?? (object)start)
                {
                    ErrorDetails = new ErrorDetails(where + message) { RecommendedAction = "Chunk bytes are msgpack events [[EventTime, {metadata}], {body}] or [EventTime, {body}], one after another." },
                });
                return;
            }
            WriteObject(record);
        }
    }
}
