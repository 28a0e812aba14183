namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// A filter's counters, under Fluent Bit's names (flb_filter.c; fluentbit_filter_&lt;name&gt;_total in
/// Prometheus): <c>records</c> and <c>bytes</c> entering the filter, <c>add_records</c> and
/// <c>drop_records</c> for the difference when it changed the record count.
/// </summary>
public sealed class FilterMetrics
{
    internal long RecordsValue, BytesValue, AddRecordsValue, DropRecordsValue;

    public long Records => Interlocked.Read(ref RecordsValue);
    public long Bytes => Interlocked.Read(ref BytesValue);
    public long AddRecords => Interlocked.Read(ref AddRecordsValue);
    public long DropRecords => Interlocked.Read(ref DropRecordsValue);

    public IReadOnlyDictionary<string, long> ToDictionary() => new Dictionary<string, long>
    {
        ["records"] = Records,
        ["bytes"] = Bytes,
        ["add_records"] = AddRecords,
        ["drop_records"] = DropRecords,
    };
}
