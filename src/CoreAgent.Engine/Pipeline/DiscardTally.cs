namespace CoreAgent.Engine.Pipeline;

/// <summary>Records discarded by a pipeline's outputs, by reason: what Stop-AgentPipeline reports.</summary>
public sealed class DiscardTally
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _byReason = new(StringComparer.Ordinal);

    /// <summary>Total records discarded.</summary>
    public long Records
    {
        get { lock (_gate) return _byReason.Values.Sum(); }
    }

    /// <summary>Records discarded per reason, largest first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ByReason
    {
        get { lock (_gate) return _byReason.OrderByDescending(p => p.Value).ToList(); }
    }

    private long _kept;

    /// <summary>Records a stop left in storage.path (filesystem inputs): not lost, delivered at the next start.</summary>
    public long KeptRecords => Interlocked.Read(ref _kept);

    internal void AddKept(long records, string why) => Interlocked.Add(ref _kept, Math.Max(0, records));

    internal void Add(long records, string why)
    {
        if (records <= 0) return;
        lock (_gate) _byReason[why] = _byReason.GetValueOrDefault(why) + records;
    }

    /// <summary>"1200 records discarded: 1000 because ..., 200 because ..." or null when none were.</summary>
    public string? Describe(string pipelineName)
    {
        var reasons = ByReason;
        if (reasons.Count == 0) return null;
        return $"pipeline '{pipelineName}': {reasons.Sum(r => r.Value)} record(s) discarded: " +
            string.Join("; ", reasons.Select(r => $"{r.Value} because {r.Key}"));
    }
}
