using CoreAgent.Engine.Logging;

namespace CoreAgent.Commands;

/// <summary>What every event of a pipeline handle carries: which pipeline, when, and the log line.</summary>
public abstract class AgentPipelineEventArgs : EventArgs
{
    private protected AgentPipelineEventArgs(AgentPipelineInfo pipeline, DateTimeOffset time, string message)
    {
        PipelineName = pipeline.Name;
        PipelineId = pipeline.Id;
        Time = time;
        Message = message;
    }

    public string PipelineName { get; }
    public Guid PipelineId { get; }
    public DateTimeOffset Time { get; }

    /// <summary>The engine's log line for the event.</summary>
    public string Message { get; }

    public override string ToString() => Message;
}

/// <summary>The pipeline moved from one state to another (Created, Starting, Running, Stopping, Stopped, Failed).</summary>
public sealed class AgentPipelineStateChangedEventArgs : AgentPipelineEventArgs
{
    internal AgentPipelineStateChangedEventArgs(AgentPipelineInfo pipeline, string previousState, string state)
        : base(pipeline, DateTimeOffset.Now, $"pipeline '{pipeline.Name}': {previousState} -> {state}")
    {
        PreviousState = previousState;
        State = state;
    }

    public string PreviousState { get; }
    public string State { get; }
}

/// <summary>An output asked for a chunk to be flushed again later (FLB_RETRY) and a retry was scheduled.</summary>
public sealed class AgentRetryEventArgs : AgentPipelineEventArgs
{
    internal AgentRetryEventArgs(AgentPipelineInfo pipeline, LogEntry entry, string? output, string? tag, long? taskId, int? retry, TimeSpan? retryIn)
        : base(pipeline, entry.Time, entry.Message)
    {
        Output = output;
        Tag = tag;
        TaskId = taskId;
        Retry = retry;
        RetryIn = retryIn;
    }

    /// <summary>The output instance (its alias or plugin.n name).</summary>
    public string? Output { get; }
    public string? Tag { get; }
    public long? TaskId { get; }

    /// <summary>Which retry this is: 1 for the first.</summary>
    public int? Retry { get; }

    /// <summary>How long until the chunk is flushed again.</summary>
    public TimeSpan? RetryIn { get; }
}

/// <summary>
/// Records were dropped by an output: the flush failed (<c>FlushError</c>), the retries ran out
/// (<c>RetriesExhausted</c>), or the pipeline stopped before delivery (<c>Discarded</c>); or the
/// plugin host of an isolated Go output died (<c>PluginCrashed</c>: the message holds the panic
/// text, the chunks in flight are retried) or kept dying at start and was given up (<c>PluginGaveUp</c>).
/// </summary>
public sealed class AgentOutputErrorEventArgs : AgentPipelineEventArgs
{
    internal AgentOutputErrorEventArgs(AgentPipelineInfo pipeline, LogEntry entry, string kind, string? output, string? tag, long? taskId, long? records)
        : base(pipeline, entry.Time, entry.Message)
    {
        Kind = kind;
        Output = output;
        Tag = tag;
        TaskId = taskId;
        Records = records;
    }

    /// <summary>FlushError, RetriesExhausted, Discarded, PluginCrashed or PluginGaveUp.</summary>
    public string Kind { get; }

    /// <summary>The output instance (its alias or plugin.n name).</summary>
    public string? Output { get; }
    public string? Tag { get; }
    public long? TaskId { get; }

    /// <summary>How many records were dropped.</summary>
    public long? Records { get; }
}

/// <summary>An input was paused because its buffered chunks exceeded Mem_Buf_Limit, or resumed once below it.</summary>
public sealed class AgentInputPauseEventArgs : AgentPipelineEventArgs
{
    internal AgentInputPauseEventArgs(AgentPipelineInfo pipeline, LogEntry entry, string? input, bool paused)
        : base(pipeline, entry.Time, entry.Message)
    {
        Input = input;
        Paused = paused;
    }

    /// <summary>The input instance (its alias or plugin.n name).</summary>
    public string? Input { get; }

    /// <summary>True when the input was paused, false when it resumed.</summary>
    public bool Paused { get; }
}

/// <summary>Turns the engine's event log lines (<see cref="LogEntry.Event"/> with <see cref="LogEntry.Data"/>) into event arguments.</summary>
internal static class PipelineEventParser
{
    public static AgentRetryEventArgs Retry(AgentPipelineInfo pipeline, LogEntry entry) =>
        new(pipeline, entry, entry.Data?.Instance, entry.Data?.Tag, entry.Data?.TaskId, entry.Data?.Retry, entry.Data?.RetryIn);

    public static AgentOutputErrorEventArgs OutputError(AgentPipelineInfo pipeline, LogEntry entry) =>
        new(pipeline, entry, entry.Event!, entry.Data?.Instance, entry.Data?.Tag, entry.Data?.TaskId, entry.Data?.Records);

    public static AgentInputPauseEventArgs InputPause(AgentPipelineInfo pipeline, LogEntry entry) =>
        new(pipeline, entry, entry.Data?.Instance, entry.Event == LogEvents.InputPaused);
}
