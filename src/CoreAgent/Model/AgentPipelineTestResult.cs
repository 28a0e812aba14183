using System.Collections;
using System.Management.Automation;
using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Pipeline.Rehearsal;
using CoreAgent.Engine.Records;
using RecordObjects = CoreAgent.Commands.Records.MsgPackToPSObject;

namespace CoreAgent.Commands;

/// <summary>
/// What Test-AgentPipeline found: per output instance the records it would have received, the
/// records no output matched, what each filter did, and the notes and warnings of the check.
/// </summary>
public sealed class AgentPipelineTestResult
{
    internal AgentPipelineTestResult(PipelineRehearsal rehearsal, IReadOnlyList<string> notes, IReadOnlyList<ConfigFinding> findings)
    {
        Pipeline = rehearsal.Name;
        RecordsIn = rehearsal.RecordsIn;
        Outputs = new AgentNamedCollection<AgentOutputCapture>("output", rehearsal.Outputs.Select(o => new AgentOutputCapture(o)));
        Filters = new AgentNamedCollection<AgentFilterTestInfo>("filter", rehearsal.Filters.Select(f => new AgentFilterTestInfo(f)));
        Unmatched = AgentOutputCapture.ToRecords(rehearsal.Unmatched);
        Notes = [.. notes];
        Findings = [.. findings];
    }

    /// <summary>The pipeline's name (the configuration's, or -Name's).</summary>
    public string Pipeline { get; }

    /// <summary>Records given to the test (-InputObject).</summary>
    public long RecordsIn { get; }

    /// <summary>One entry per output instance, in definition order; index by name: <c>$r.Outputs['stdout.0']</c>.</summary>
    public AgentNamedCollection<AgentOutputCapture> Outputs { get; }

    /// <summary>One entry per filter instance, in definition order, with its counters; index by name.</summary>
    public AgentNamedCollection<AgentFilterTestInfo> Filters { get; }

    /// <summary>Records (after the filters) that no output matched: the running pipeline discards them.</summary>
    public PSObject[] Unmatched { get; }

    /// <summary>What the test assumed: Go plugins that could not be loaded and the stand-ins used for them.</summary>
    public string[] Notes { get; }

    /// <summary>The configuration's warnings (the errors stop the test), as Test-AgentConfig -Detailed reports them.</summary>
    public ConfigFinding[] Findings { get; }

    public override string ToString() => $"{Pipeline}: {RecordsIn} records in, {string.Join(", ", Outputs.Select(o => $"{o.Name} {o.Records.Length}"))}, {Unmatched.Length} unmatched";
}

/// <summary>What one output instance would have received in a Test-AgentPipeline run.</summary>
public sealed class AgentOutputCapture
{
    internal AgentOutputCapture(OutputCapture capture)
    {
        Name = capture.Name;
        Plugin = capture.Plugin.Name;
        Match = capture.Match;
        MatchRegex = capture.MatchRegex;
        DefaultRoute = capture.DefaultRoute;
        StandIn = capture.IsStandIn;
        Records = ToRecords(capture.Chunks);
    }

    /// <summary>The instance name, as the running pipeline names it: Alias, else plugin.N (gstdout.0).</summary>
    public string Name { get; }
    public string Plugin { get; }

    /// <summary>The output's Match, or null.</summary>
    public string? Match { get; }

    /// <summary>The output's Match_Regex, or null.</summary>
    public string? MatchRegex { get; }

    /// <summary>True when the output has no Match and takes every record as the only output of a one-input pipeline.</summary>
    public bool DefaultRoute { get; }

    /// <summary>True when the plugin could not be loaded and a stand-in routed for it.</summary>
    public bool StandIn { get; }

    /// <summary>The records it would have received, in order, as CoreAgent.Record objects (with Tag and Timestamp).</summary>
    public PSObject[] Records { get; }

    internal static PSObject[] ToRecords(IEnumerable<CapturedChunk> chunks) =>
        [.. chunks.SelectMany(c => EventReader.ReadAll(c.Events).Select(e => RecordObjects.ToRecord(e, c.Tag)))];

    public override string ToString() => Name;
}

/// <summary>One filter instance of a Test-AgentPipeline run and what it did.</summary>
public sealed class AgentFilterTestInfo
{
    internal AgentFilterTestInfo(FilterInstance filter)
    {
        Name = filter.Name;
        Plugin = filter.Plugin.Name;
        Match = filter.Matcher.ToString();
        Records = filter.Metrics.Records;
        Dropped = filter.Metrics.DropRecords;
        Added = filter.Metrics.AddRecords;
    }

    public string Name { get; }
    public string Plugin { get; }

    /// <summary>Its Match, or its Match_Regex as "regex ...".</summary>
    public string Match { get; }

    /// <summary>Records that went into the filter.</summary>
    public long Records { get; }

    /// <summary>Records it removed (drop_records).</summary>
    public long Dropped { get; }

    /// <summary>Records it added (add_records).</summary>
    public long Added { get; }

    public override string ToString() => Name;
}

/// <summary>
/// A list of instances that can also be indexed by instance name (case-insensitive). A name that is
/// not there throws, listing the names that are, so a typo in a test fails with a clear message.
/// </summary>
public sealed class AgentNamedCollection<T> : IReadOnlyList<T> where T : class
{
    private readonly string _kind;
    private readonly List<T> _items;
    private readonly Func<T, string> _nameOf = item => item.ToString() ?? "";

    internal AgentNamedCollection(string kind, IEnumerable<T> items)
    {
        _kind = kind;
        _items = [.. items];
    }

    public int Count => _items.Count;

    public T this[int index] => _items[index];

    public T this[string name] =>
        _items.FirstOrDefault(i => string.Equals(_nameOf(i), name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"there is no {_kind} instance '{name}' (the {_kind}s: {(Count == 0 ? "none" : string.Join(", ", Names))})");

    /// <summary>The instance names, in order.</summary>
    public string[] Names => [.. _items.Select(_nameOf)];

    public bool Contains(string name) => _items.Any(i => string.Equals(_nameOf(i), name, StringComparison.OrdinalIgnoreCase));

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(", ", Names);
}
