using System.Collections.Concurrent;
using System.Collections.Specialized;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Commands;

/// <summary>
/// The handle of a pipeline, returned by New-/Start-AgentPipeline and accepted from the pipeline by
/// Start-, Stop-, Wait- and Get-AgentPipeline. Its properties are live.
/// </summary>
public sealed class AgentPipelineInfo
{
    private const int LogCapacity = 500;
    private readonly ConcurrentQueue<LogEntry> _recentLog = new();

    internal AgentPipelineInfo(AgentPipeline engine)
    {
        Engine = engine;
        Inputs = engine.Inputs.Select(i => new AgentInstanceInfo(i)).ToArray();
        Outputs = engine.Outputs.Select(o => new AgentInstanceInfo(o)).ToArray();
        engine.Log.Written += Remember;
    }

    internal AgentPipeline Engine { get; }

    public string Name => Engine.Name;
    public Guid Id => Engine.Id;
    public string State => Engine.State.ToString();
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.Now;
    public DateTimeOffset? StartTime => Engine.StartTime;
    public TimeSpan Uptime => Engine.Uptime;
    public AgentInstanceInfo[] Inputs { get; }
    public AgentInstanceInfo[] Outputs { get; }

    /// <summary>Why the pipeline failed, if it did.</summary>
    public string? Error => Engine.Error?.Message;

    /// <summary>The last log entries of this pipeline (most recent last).</summary>
    public LogEntry[] RecentLog => [.. _recentLog];

    /// <summary>Every counter, shaped like Fluent Bit's /api/v1/metrics: input.&lt;name&gt;.records and so on.</summary>
    public OrderedDictionary Metrics
    {
        get
        {
            var input = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var i in Inputs) input[i.Name] = i.Metrics;
            var output = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var o in Outputs) output[o.Name] = o.Metrics;
            return new OrderedDictionary { ["input"] = input, ["output"] = output };
        }
    }

    private void Remember(LogEntry entry)
    {
        _recentLog.Enqueue(entry);
        while (_recentLog.Count > LogCapacity) _recentLog.TryDequeue(out _);
    }

    public override string ToString() => Name;
}
