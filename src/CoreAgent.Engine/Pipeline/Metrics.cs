namespace CoreAgent.Engine.Pipeline;

/// <summary>An input's counters, under Fluent Bit's metric names.</summary>
public sealed class InputMetrics
{
    internal long RecordsValue;
    internal long BytesValue;

    public long Records => Interlocked.Read(ref RecordsValue);
    public long Bytes => Interlocked.Read(ref BytesValue);

    public IReadOnlyDictionary<string, long> ToDictionary() => new Dictionary<string, long>
    {
        ["records"] = Records,
        ["bytes"] = Bytes,
    };
}

/// <summary>An output's counters, under Fluent Bit's metric names.</summary>
public sealed class OutputMetrics
{
    internal long ProcRecordsValue, ProcBytesValue, ErrorsValue, RetriesValue, RetriesFailedValue, DroppedRecordsValue, RetriedRecordsValue;
    private long _lostRecords, _lostBytes;

    // Flushed records an output lost afterwards were never processed. They are counted at the
    // flush and taken off here (never below zero while a flush's count is still on its way).
    public long ProcRecords => Math.Max(0, Interlocked.Read(ref ProcRecordsValue) - Interlocked.Read(ref _lostRecords));
    public long ProcBytes => Math.Max(0, Interlocked.Read(ref ProcBytesValue) - Interlocked.Read(ref _lostBytes));
    public long Errors => Interlocked.Read(ref ErrorsValue);
    public long Retries => Interlocked.Read(ref RetriesValue);
    public long RetriesFailed => Interlocked.Read(ref RetriesFailedValue);
    public long DroppedRecords => Interlocked.Read(ref DroppedRecordsValue);
    public long RetriedRecords => Interlocked.Read(ref RetriedRecordsValue);

    /// <summary>Records an output lost after its flush succeeded (see <see cref="Plugins.IReportsDroppedRecords"/>): dropped, not processed.</summary>
    internal void CountDropped(long records, long bytes)
    {
        Interlocked.Add(ref _lostRecords, records);
        Interlocked.Add(ref _lostBytes, bytes);
        Interlocked.Add(ref DroppedRecordsValue, records);
    }

    public IReadOnlyDictionary<string, long> ToDictionary() => new Dictionary<string, long>
    {
        ["proc_records"] = ProcRecords,
        ["proc_bytes"] = ProcBytes,
        ["errors"] = Errors,
        ["retries"] = Retries,
        ["retries_failed"] = RetriesFailed,
        ["dropped_records"] = DroppedRecords,
        ["retried_records"] = RetriedRecords,
    };
}
