using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins;

public enum PluginType { Input = 1, Filter = 3, Output = 2 }

/// <summary>What an output returns for one chunk; the values are Fluent Bit's FLB_ERROR, FLB_OK, FLB_RETRY.</summary>
public enum FlushResult { Error = 0, Ok = 1, Retry = 2 }

/// <summary>What every plugin instance is given: its name, its settings and the log.</summary>
public class PluginContext(string instanceName, PluginProperties properties, AgentLog log)
{
    public string InstanceName { get; } = instanceName;
    public PluginProperties Properties { get; } = properties;
    public AgentLog Log { get; } = log;

    /// <summary>
    /// The pipeline's parsers ([SERVICE] Parsers_File, YAML parsers:), by name: a plugin with a Parser
    /// key looks its parser up here in Init (see <see cref="Parser"/> for the calling convention).
    /// </summary>
    public ParserRegistry Parsers { get; init; } = ParserRegistry.Empty;

    public string GetString(string key, string fallback) => Properties.Get(key) ?? fallback;

    public long GetInteger(string key, long fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseInteger(key, v) : fallback;

    public double GetDouble(string key, double fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseDouble(key, v) : fallback;

    public bool GetBool(string key, bool fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseBool(key, v) : fallback;
}

public sealed class InputContext(string instanceName, PluginProperties properties, AgentLog log, RecordEmitter emitter)
    : PluginContext(instanceName, properties, log)
{
    /// <summary>Where the input writes its records.</summary>
    public RecordEmitter Emitter { get; } = emitter;

    /// <summary>Identifies the pipeline run (Go inputs of one library share its plugin host); empty outside a pipeline.</summary>
    public Guid PipelineId { get; init; }

    /// <summary>
    /// Asks the pipeline to stop gracefully, as Fluent Bit's flb_engine_exit (tail's Exit_On_Eof).
    /// Returns at once; the input's cancellation comes as for any stop.
    /// </summary>
    public Action RequestStop { get; init; } = static () => { };
}

public sealed class OutputContext(string instanceName, PluginProperties properties, AgentLog log, Guid pipelineId)
    : PluginContext(instanceName, properties, log)
{
    /// <summary>Identifies the pipeline run, for plugins whose exit is per library rather than per instance.</summary>
    public Guid PipelineId { get; } = pipelineId;
}

public sealed class FilterContext(string instanceName, PluginProperties properties, AgentLog log, Guid pipelineId,
    CancellationToken stopping = default) : PluginContext(instanceName, properties, log)
{
    /// <summary>Identifies the pipeline run.</summary>
    public Guid PipelineId { get; } = pipelineId;

    /// <summary>
    /// Cancelled when a stopping pipeline reaches the end of its grace period before its inputs
    /// and last chunks are through: a filter that can take long (a script) should give up then,
    /// and the chunk passes unchanged. Without it a stuck filter would hold Stop forever.
    /// </summary>
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>
    /// True when the filter runs in a rehearsal (Test-AgentPipeline) rather than a running pipeline:
    /// a failure must then throw, so that the test fails, instead of passing the chunk on unchanged.
    /// </summary>
    public bool IsRehearsal { get; init; }
}

/// <summary>
/// What a filter did with a chunk, as Fluent Bit's FLB_FILTER_NOTOUCH / FLB_FILTER_MODIFIED: nothing,
/// or new msgpack events (possibly none) that replace the chunk's. The engine copies the events into
/// a new chunk before it calls the filter again, so a filter may reuse one buffer across calls.
/// </summary>
public readonly struct FilterResult
{
    private FilterResult(ReadOnlyMemory<byte> events, int recordCount)
    {
        IsModified = true;
        Events = events;
        RecordCount = recordCount;
    }

    /// <summary>The chunk passes as it is; the cheapest answer, so return it whenever nothing changed.</summary>
    public static FilterResult Unchanged => default;

    /// <summary>Every record was removed: no chunk goes on.</summary>
    public static FilterResult DropAll => new(ReadOnlyMemory<byte>.Empty, 0);

    /// <summary>
    /// The chunk's events are replaced by <paramref name="events"/>, a concatenation of
    /// <paramref name="recordCount"/> events. The count is trusted (it feeds add_records and
    /// drop_records) rather than recounted, which would cost a second pass over every event.
    /// </summary>
    public static FilterResult Replace(ReadOnlyMemory<byte> events, int recordCount)
    {
        if (recordCount < 0) throw new ArgumentOutOfRangeException(nameof(recordCount), "a record count is never negative");
        if (events.IsEmpty != (recordCount == 0))
            throw new ArgumentException($"{events.Length} bytes of events cannot hold {recordCount} records", nameof(recordCount));
        return new FilterResult(events, recordCount);
    }

    public bool IsModified { get; }
    public ReadOnlyMemory<byte> Events { get; }
    public int RecordCount { get; }
}

/// <summary>An input: Init once, then Run on its own thread until cancelled (or until it has nothing more to produce).</summary>
public interface IInputPlugin
{
    void Init(InputContext context);
    void Run(CancellationToken cancellation);
}

/// <summary>An output: Init once, Flush per chunk (concurrently when workers &gt; 1), Exit once.</summary>
public interface IOutputPlugin
{
    void Init(OutputContext context);
    FlushResult Flush(Chunk chunk);
    void Exit();
}

/// <summary>
/// An output that runs its flushes somewhere it can end (a plugin host process): told when a stop
/// begins, so it starts nothing new, and asked to end flushes still running at the end of the
/// grace period, which then return (their chunks are counted as discarded).
/// </summary>
public interface IStoppableOutput
{
    void BeginStop();

    /// <summary>Ends the flushes in flight; true when there were any.</summary>
    bool AbortFlushes(string why);
}

/// <summary>
/// A filter: Init once, Filter per chunk whose tag its Match covers, Exit once. Filter runs on the
/// thread that sealed the chunk (the input's own thread, or the flush timer for partial chunks),
/// as Fluent Bit runs filters in the input's context, and never concurrently for one instance: the
/// engine serialises the calls, so a filter needs no locking of its own. An exception passes the
/// chunk on unchanged, except in a rehearsal (<see cref="FilterContext.IsRehearsal"/>), where it fails it.
/// </summary>
public interface IFilterPlugin
{
    void Init(FilterContext context);
    FilterResult Filter(Chunk chunk);
    void Exit();
}

/// <summary>
/// A filter that emits new records under other tags (rewrite_tag), as Fluent Bit's emitter input
/// does: the engine takes them after each call, while the filter's lock is still held, and sends
/// them through the filters and the router after the chunk that produced them, outside any lock.
/// </summary>
public interface IEmittingFilter
{
    /// <summary>Adds the chunks emitted by the last call to <paramref name="emitted"/> and forgets them.</summary>
    void TakeEmitted(List<Chunk> emitted);
}

/// <summary>A plugin could not start or was configured wrongly.</summary>
public class PluginException(string message, Exception? inner = null) : Exception(message, inner);
