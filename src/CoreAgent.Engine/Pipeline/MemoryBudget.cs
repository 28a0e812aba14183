namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// The memory bound of one pipeline: the default limit of an input that sets no Mem_Buf_Limit, and
/// the total of all its inputs' buffered bytes. Either may be off (null).
/// </summary>
public sealed class MemoryBudget(long? inputDefault, long? total)
{
    private long _buffered;

    public long? InputDefault { get; } = inputDefault;
    public long? Total { get; } = total;

    /// <summary>Bytes buffered by every input of the pipeline.</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    public bool OverTotal => Total is { } limit && Buffered >= limit;

    internal void Add(long bytes) => Interlocked.Add(ref _buffered, bytes);
}
