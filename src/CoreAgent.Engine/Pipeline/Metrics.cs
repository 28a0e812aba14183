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

    public long ProcRecords => Interlocked.Read(ref ProcRecordsValue);
    public long ProcBytes => Interlocked.Read(ref ProcBytesValue);
    public long Errors => Interlocked.Read(ref ErrorsValue);
    public long Retries => Interlocked.Read(ref RetriesValue);
    public long RetriesFailed => Interlocked.Read(ref RetriesFailedValue);
    public long DroppedRecords => Interlocked.Read(ref DroppedRecordsValue);
    public long RetriedRecords => Interlocked.Read(ref RetriedRecordsValue);

    /// <summary>Records an output lost after its flush succeeded (see <see cref="Plugins.IReportsDroppedRecords"/>).</summary>
    internal void CountDropped(long records) => Interlocked.Add(ref DroppedRecordsValue, records);

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
