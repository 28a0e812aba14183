using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.Storage;

namespace CoreAgent.Commands;

/// <summary>
/// Reads the dead letter queue (storage.keep.rejected) under a storage.path back as records: the
/// body fields plus Tag, Timestamp, Output and Reason, ready to filter and pipe to Send-AgentRecord.
/// </summary>
[Cmdlet(VerbsCommon.Get, "AgentRejectedRecord")]
[OutputType(MsgPackToPSObject.RejectedTypeName)]
public sealed class GetAgentRejectedRecordCommand : PSCmdlet
{
    /// <summary>The pipeline's [SERVICE] storage.path.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string StoragePath { get; set; } = "";

    /// <summary>The dead letter folder under it (storage.rejected.path).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string RejectedPath { get; set; } = StorageSettings.DefaultRejectedPath;

    /// <summary>Only records rejected by this output (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    public string? Output { get; set; }

    protected override void ProcessRecord()
    {
        string root = GetUnresolvedProviderPathFromPSPath(StoragePath);
        var match = Output is null ? null : new WildcardPattern(Output, WildcardOptions.IgnoreCase);
        try
        {
            foreach (var r in DeadLetterReader.Read(root, RejectedPath, WriteWarning))
            {
                if (match is not null && !match.IsMatch(r.Output)) continue;
                WriteObject(MsgPackToPSObject.ToRejectedRecord(r.Event, r.Tag, r.Output, r.Reason));
            }
        }
        catch (DirectoryNotFoundException ex)
        {
            WriteError(new ErrorRecord(ex, CommandErrors.PathNotFound, ErrorCategory.ObjectNotFound, StoragePath));
        }
    }
}
