namespace CoreAgent.Engine.Plugins;

/// <summary>
/// An output that can lose records after a successful flush (the powershell output's bounded
/// buffer drops its oldest records when nobody takes them). The engine hands it a counter so those
/// records show in the instance's dropped_records.
/// </summary>
internal interface IReportsDroppedRecords
{
    void AttachDropCounter(Action<long> countDropped);
}
