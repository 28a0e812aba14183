namespace CoreAgent.Engine.Plugins;

/// <summary>
/// An output that can lose records after a successful flush (the powershell output's bounded
/// buffer drops its oldest records when nobody takes them). The engine hands it a counter (records,
/// bytes) so those records show in the instance's dropped_records and leave proc_records and
/// proc_bytes: they were flushed, but never processed.
/// </summary>
internal interface IReportsDroppedRecords
{
    void AttachDropCounter(Action<long, long> countDropped);
}
