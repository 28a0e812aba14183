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
        engine.StateChanged += OnStateChanged;
    }

    // The events are raised on engine threads; Register-ObjectEvent queues them for the session.

    /// <summary>The pipeline changed state (Created, Starting, Running, Stopping, Stopped, Failed).</summary>
    public event EventHandler<AgentPipelineStateChangedEventArgs>? StateChanged;

    /// <summary>An output returned FLB_RETRY and the chunk was scheduled again.</summary>
    public event EventHandler<AgentRetryEventArgs>? Retry;

    /// <summary>An output dropped records (a failed flush, retries exhausted, discarded at stop), or an isolated Go plugin's host crashed or was given up.</summary>
    public event EventHandler<AgentOutputErrorEventArgs>? OutputError;

    /// <summary>An input was paused because it went over its Mem_Buf_Limit.</summary>
    public event EventHandler<AgentInputPauseEventArgs>? InputPaused;

    /// <summary>A paused input resumed.</summary>
    public event EventHandler<AgentInputPauseEventArgs>? InputResumed;

    internal AgentPipeline Engine { get; }

    public string Name => Engine.Name;
    public Guid Id => Engine.Id;
    public string State => Engine.State.ToString();
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.Now;
    public DateTimeOffset? StartTime => Engine.StartTime;
    public TimeSpan Uptime => Engine.Uptime;
    public AgentInstanceInfo[] Inputs { get; }
    public AgentInstanceInfo[] Outputs { get; }

    /// <summary>The TCP port of the monitoring API (HTTP_Server On) once it is bound, the one picked when HTTP_Port is 0; null otherwise.</summary>
    public int? HttpPort => Engine.Monitor?.Port;

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
        if (entry.Event is null) return;
        switch (entry.Event)
        {
            case LogEvents.Retry:
                Raise(Retry, () => PipelineEventParser.Retry(this, entry));
                break;
            case LogEvents.FlushError or LogEvents.RetriesExhausted or LogEvents.Discarded or LogEvents.PluginCrashed or LogEvents.PluginGaveUp:
                Raise(OutputError, () => PipelineEventParser.OutputError(this, entry));
                break;
            case LogEvents.InputPaused:
                Raise(InputPaused, () => PipelineEventParser.InputPause(this, entry));
                break;
            case LogEvents.InputResumed:
                Raise(InputResumed, () => PipelineEventParser.InputPause(this, entry));
                break;
        }
    }

    private void OnStateChanged(object? sender, PipelineStateChangedEventArgs e) =>
        Raise(StateChanged, () => new AgentPipelineStateChangedEventArgs(this, e.Previous.ToString(), e.Current.ToString()));

    /// <summary>Calls every subscriber on its own, so one that throws neither breaks the engine thread nor starves the others.</summary>
    private void Raise<T>(EventHandler<T>? handlers, Func<T> args) where T : EventArgs
    {
        if (handlers is null) return;
        T value;
        try { value = args(); }
        catch (Exception) { return; } // never let a message the parser did not expect reach the engine thread
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<T>>())
        {
            try { handler(this, value); }
            catch (Exception) { /* a subscriber's own failure */ }
        }
    }

    public override string ToString() => Name;
}
