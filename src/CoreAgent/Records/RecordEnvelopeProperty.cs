using System.Management.Automation;

namespace CoreAgent.Commands.Records;

/// <summary>The parts of a record that are not body fields.</summary>
public enum RecordField
{
    Tag, Timestamp, TimestampNanoseconds, Metadata,

    /// <summary>A dead letter's output and reason (Get-AgentRejectedRecord): never sent on as body fields.</summary>
    Output, Reason,
}

/// <summary>
/// A property of a CoreAgent.Record that holds the record's tag, time or metadata rather than a
/// body field. Its own type is what tells the two apart when a record is converted back to
/// msgpack: a body field may have the same name (the envelope then moves to _Tag, _Timestamp, ...).
/// </summary>
public sealed class RecordEnvelopeProperty(string name, object? value, RecordField field) : PSNoteProperty(name, value)
{
    public RecordField Field { get; } = field;

    // PowerShell hands out copies of instance members; the copy must keep the type and the field.
    public override PSMemberInfo Copy() => new RecordEnvelopeProperty(Name, Value, Field);
}
