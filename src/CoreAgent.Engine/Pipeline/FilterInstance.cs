using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// A configured filter: its plugin, its Match, its counters, and the lock that keeps its calls
/// apart. Several threads seal chunks (every input's own thread and the flush timer), so without the
/// lock one filter could run twice at once; with it a plugin needs no locking of its own, and a
/// PowerShell runspace, which takes one pipeline at a time, is safe.
/// </summary>
public sealed class FilterInstance
{
    private readonly object _gate = new();
    private readonly AgentLog _log;
    private bool _initialized;
    private int _busy;

    internal FilterInstance(string name, PluginDescriptor plugin, IFilterPlugin instance, TagMatcher matcher, AgentLog log, bool rehearsal = false)
    {
        Rehearsal = rehearsal;
        Name = name;
        Plugin = plugin;
        Instance = instance;
        Matcher = matcher;
        _log = log;
    }

    public string Name { get; }
    public PluginDescriptor Plugin { get; }
    public TagMatcher Matcher { get; }
    public FilterMetrics Metrics { get; } = new();
    internal IFilterPlugin Instance { get; }

    /// <summary>In a rehearsal a failing filter throws <see cref="FilterFailedException"/> instead of passing the chunk unchanged.</summary>
    internal bool Rehearsal { get; }

    internal bool Initialized
    {
        get { lock (_gate) return _initialized; }
    }

    /// <summary>True while a call is running (read without the lock, by Stop).</summary>
    internal bool IsBusy => Volatile.Read(ref _busy) != 0;

    internal void Init(FilterContext context)
    {
        lock (_gate)
        {
            Instance.Init(context);
            _initialized = true;
        }
    }

    /// <summary>Exits the plugin once; a call still running finishes first.</summary>
    internal void Exit()
    {
        lock (_gate)
        {
            if (!_initialized) return;
            _initialized = false;
            try { Instance.Exit(); }
            catch (Exception ex) { _log.Error("engine", $"{Name}: exit failed: {ex.Message}"); }
        }
    }

    /// <summary>
    /// Runs the filter on one chunk and returns what goes on: the same chunk, a new one holding the
    /// filter's events, or null when no record is left. The caller owns (and recycles) the chunk it
    /// passed in when a different one comes back.
    /// </summary>
    internal Chunk? Apply(Chunk chunk, List<Chunk>? emitted = null)
    {
        lock (_gate)
        {
            // Only an input that outlived Stop's grace can get here after Exit; its outputs are gone too.
            if (!_initialized) return chunk;
            int records = chunk.RecordCount;
            Interlocked.Add(ref Metrics.RecordsValue, records);
            Interlocked.Add(ref Metrics.BytesValue, chunk.Length);

            FilterResult result;
            Volatile.Write(ref _busy, 1);
            try
            {
                result = Instance.Filter(chunk);
            }
            catch (Exception ex) when (Rehearsal)
            {
                throw ex as FilterFailedException ?? new FilterFailedException(Name, chunk.Tag, records, ex);
            }
            catch (Exception ex)
            {
                // A filter must never lose data by failing: the records go on as they came.
                _log.Error("filter", $"{Name}: failed on a chunk of {records} records of '{chunk.Tag}', which passes unchanged: {ex.Message}");
                return chunk;
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
                if (Instance is IEmittingFilter emitter) TakeEmitted(emitter, emitted);
            }
            if (!result.IsModified) return chunk;

            int kept = result.RecordCount;
            if (kept > records) Interlocked.Add(ref Metrics.AddRecordsValue, kept - records);
            else if (kept < records) Interlocked.Add(ref Metrics.DropRecordsValue, records - kept);
            if (kept == 0) return null;
            // Copied while the lock is held: the plugin may reuse its buffer on its next call.
            var replacement = Chunk.FromBytes(chunk.Tag, result.Events.Span, kept);
            replacement.Emitter = chunk.Emitter;
            return replacement;
        }
    }

    private void TakeEmitted(IEmittingFilter emitter, List<Chunk>? emitted)
    {
        var taken = new List<Chunk>();
        emitter.TakeEmitted(taken);
        if (taken.Count == 0) return;
        int records = taken.Sum(c => c.RecordCount);
        if (emitted is not null) emitted.AddRange(taken);
        else _log.Warn("filter", $"{Name}: {records} re-emitted record(s) have no pipeline to go to and are dropped");
    }

    public override string ToString() => Name;
}

/// <summary>A filter failed on a chunk during a rehearsal (Test-AgentPipeline); a running pipeline passes the chunk unchanged instead.</summary>
public sealed class FilterFailedException(string filter, string tag, int records, Exception inner)
    : Exception($"filter {filter} failed on {records} record(s) of tag '{tag}': {inner.Message}", inner)
{
    public string Filter { get; } = filter;
    public string Tag { get; } = tag;
    public int Records { get; } = records;
}
