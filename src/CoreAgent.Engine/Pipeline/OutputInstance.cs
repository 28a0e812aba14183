using System.Collections.Concurrent;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// A running output: its own queue and worker threads, so that a slow or failing output never
/// holds up the others, and the retry policy of REFERENCE 3.2.
/// </summary>
public sealed class OutputInstance
{
    private readonly BlockingCollection<Delivery> _queue = new(new ConcurrentQueue<Delivery>());
    private readonly AgentLog _log;
    private readonly RetryBackoff _backoff;
    private readonly PendingWork _pending;
    private readonly List<Thread> _workers = [];
    private readonly ConcurrentDictionary<Delivery, Timer> _scheduledRetries = new();
    private readonly ConcurrentDictionary<Delivery, byte> _inFlight = new();
    private readonly object _retryGate = new();
    private bool _retriesClosed;
    private bool _abortedAtStop;
    private long _nextTaskId;
    private readonly LinkedList<Delivery> _stored = []; // deliveries of chunks with a file, oldest first (storage.total_limit_size)
    private long _storedBytes;

    internal OutputInstance(string name, PluginDescriptor plugin, IOutputPlugin instance, TagMatcher matcher,
        int workers, int retryLimit, RetryBackoff backoff, AgentLog log, PendingWork pending)
    {
        Name = name;
        Plugin = plugin;
        Instance = instance;
        Matcher = matcher;
        Workers = workers;
        RetryLimit = retryLimit;
        _backoff = backoff;
        _log = log;
        _pending = pending;
        (instance as IReportsDroppedRecords)?.AttachDropCounter(Metrics.CountDropped);
    }

    public string Name { get; }
    public PluginDescriptor Plugin { get; }
    public TagMatcher Matcher { get; internal set; }
    public int Workers { get; }

    /// <summary>Retries allowed per chunk; <see cref="Plugins.Properties.RetryLimit.Unlimited"/> for no limit.</summary>
    public int RetryLimit { get; }

    public OutputMetrics Metrics { get; } = new();

    /// <summary>storage.total_limit_size: bytes of file-backed chunks queued for this output; past it the oldest are dropped.</summary>
    public long? TotalLimitSize { get; init; }

    /// <summary>Where rejected chunks are kept (storage.keep.rejected), or null.</summary>
    internal DeadLetterStore? DeadLetters { get; init; }

    /// <summary>Called for every delivery a stop left in storage for the next start (records, why).</summary>
    internal Action<long, string>? Kept { get; set; }
    internal IOutputPlugin Instance { get; }

    /// <summary>The plugin's own metrics (a Go plugin's cmetrics), read now; empty for plugins without any.</summary>
    public IReadOnlyList<GoPlugins.Cmetrics.PluginMetric> ReadPluginMetrics() =>
        (Instance as IReportsPluginMetrics)?.ReadPluginMetrics() ?? [];
    internal bool Initialized { get; set; }

    /// <summary>Flushes under way (a flush a stop gave up on counts until it returns).</summary>
    public int Flushing => _inFlight.Count;

    /// <summary>Chunks waiting in the queue or scheduled for a retry.</summary>
    public int Backlog => _queue.Count + _scheduledRetries.Count;

    internal void Enqueue(Chunk chunk)
    {
        _pending.Add();
        var delivery = new Delivery(chunk, Interlocked.Increment(ref _nextTaskId), 0, new DeliveryClaim());
        if (chunk.File is not null && TotalLimitSize is { } limit) MakeRoom(delivery, limit);
        _queue.Add(delivery);
    }

    // storage.total_limit_size: drop this output's oldest file-backed chunks (not in flight) until the new one fits.
    private void MakeRoom(Delivery incoming, long limit)
    {
        var dropped = new List<Delivery>();
        lock (_stored)
        {
            for (var node = _stored.First; node is not null && _storedBytes + incoming.Chunk.Length > limit;)
            {
                var next = node.Next;
                if (node.Value.Claim.TryFinishIdle())
                {
                    _storedBytes -= node.Value.Chunk.Length;
                    _stored.Remove(node);
                    dropped.Add(node.Value);
                }
                node = next;
            }
            _stored.AddLast(incoming);
            incoming.Claim.Node = _stored.Last;
            _storedBytes += incoming.Chunk.Length;
        }
        foreach (var old in dropped)
        {
            if (_scheduledRetries.TryRemove(old, out var timer)) timer.Dispose();
            else foreach (var retry in _scheduledRetries.Keys.Where(k => ReferenceEquals(k.Claim, old.Claim)))
                if (_scheduledRetries.TryRemove(retry, out var t)) t.Dispose();
            Interlocked.Add(ref Metrics.DroppedRecordsValue, old.Chunk.RecordCount);
            _log.Write(LogLevel.Warn, "engine", $"chunk '{old.Chunk.Tag}' task_id={old.TaskId} output={Name}: storage.total_limit_size ({limit} bytes) reached, the oldest chunk is dropped: {old.Chunk.RecordCount} records", LogEvents.Discarded, EventData(old));
            Complete(old, done: true);
        }
    }

    /// <summary>Bytes of file-backed chunks this output has not finished yet.</summary>
    public long StoredBytes
    {
        get { lock (_stored) return _storedBytes; }
    }

    internal void StartWorkers()
    {
        for (int i = 0; i < Workers; i++)
        {
            var thread = new Thread(WorkLoop) { IsBackground = true, Name = $"CoreAgent output {Name} #{i}" };
            _workers.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Called for every delivery discarded (records, why), so that a stop can report them.</summary>
    internal Action<long, string>? Discarded { get; set; }

    /// <summary>
    /// Stops taking work: workers finish their current flush and exit. When this returns the
    /// counters are final: a scheduled retry is cancelled and counted, no retry is scheduled any
    /// more, and what a flush that does not return holds (its chunk and those queued behind it) is
    /// counted as dropped; if such a flush returns later, nothing is counted twice.
    /// </summary>
    internal void StopWorkers(DateTime deadline)
    {
        CloseForStop(abortHungFlushes: false);
        foreach (var worker in _workers) worker.Join(Max(TimeSpan.Zero, deadline - DateTime.UtcNow));
        if (_workers.All(w => !w.IsAlive)) return;
        while (_queue.TryTake(out var queued)) Discard(queued, $"it was queued behind a flush of {Name} that did not return");
        foreach (var hung in _inFlight.Keys)
        {
            // The plugin may still read the chunk's buffer: it is counted, not recycled.
            if (!hung.Claim.TryFinish()) continue;
            if (hung.Chunk.File is { } file)
            {
                file.Keep(); // its file stays for the next start; the chunk is never released
                const string keptWhy = "its flush did not return before the stop timeout";
                _log.Write(LogLevel.Info, "engine", $"chunk '{hung.Chunk.Tag}' task_id={hung.TaskId} output={Name}: {hung.Chunk.RecordCount} records stay in storage for the next start because {keptWhy}", LogEvents.Discarded, EventData(hung));
                Kept?.Invoke(hung.Chunk.RecordCount, keptWhy);
                _pending.Done();
                continue;
            }
            Interlocked.Add(ref Metrics.DroppedRecordsValue, hung.Chunk.RecordCount);
            const string why = "its flush did not return before the stop timeout";
            _log.Write(LogLevel.Warn, "engine", $"chunk '{hung.Chunk.Tag}' task_id={hung.TaskId} output={Name}: {hung.Chunk.RecordCount} records discarded because {why}", LogEvents.Discarded, EventData(hung));
            Discarded?.Invoke(hung.Chunk.RecordCount, why);
            _pending.Done();
        }
    }

    /// <summary>
    /// The first half of a stop, done for every output before any is waited for: no more retries,
    /// no new work, and (at the end of the grace period) flushes an output can end are ended.
    /// </summary>
    internal void CloseForStop(bool abortHungFlushes)
    {
        lock (_retryGate)
        {
            if (!_retriesClosed)
            {
                _retriesClosed = true;
                _queue.CompleteAdding();
                foreach (var timer in _scheduledRetries)
                {
                    timer.Value.Dispose();
                    if (_scheduledRetries.TryRemove(timer.Key, out _)) Discard(timer.Key, "a retry was still scheduled when the pipeline stopped");
                }
            }
        }
        if (Instance is not IStoppableOutput stoppable) return;
        stoppable.BeginStop();
        if (!abortHungFlushes || _inFlight.IsEmpty) return;
        Volatile.Write(ref _abortedAtStop, true); // before the abort: the ended flush returns at once
        if (!stoppable.AbortFlushes(HungFlushReason)) Volatile.Write(ref _abortedAtStop, false);
    }

    private const string HungFlushReason = "its flush had not returned by the end of the grace period; its plugin host was ended";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void WorkLoop()
    {
        foreach (var delivery in _queue.GetConsumingEnumerable())
        {
            if (delivery.Claim.IsFinished) continue; // dropped for storage.total_limit_size while queued
            if (_queue.IsAddingCompleted && _pending.Abandoned)
            {
                Discard(delivery, "the grace period ended");
                continue;
            }
            Deliver(delivery);
        }
    }

    [ThreadStatic] private static string? _lastError;

    private void KeepRejected(Delivery delivery, string code, string reason)
    {
        if (DeadLetters is null) return;
        if (DeadLetters.Keep(delivery.Chunk.Tag, delivery.Chunk.Memory, delivery.Chunk.RecordCount, Name, code, reason))
            _log.Info("storage", $"chunk '{delivery.Chunk.Tag}' task_id={delivery.TaskId} rejected by {Name} ({reason}) is kept in {DeadLetters.Folder}");
    }

    private void Deliver(Delivery delivery)
    {
        var chunk = delivery.Chunk;
        FlushResult result;
        _lastError = null;
        if (!delivery.Claim.TryStartFlush()) return; // finished meanwhile (storage.total_limit_size)
        _inFlight[delivery] = 0;
        // Log_Level trace (fluent-bit -vv) shows each flush; the check keeps the message unbuilt otherwise.
        bool trace = _log.IsEnabled(LogLevel.Trace);
        long started = trace ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        if (trace) _log.Write(LogLevel.Trace, "task", $"{Name}: flush chunk '{chunk.Tag}' task_id={delivery.TaskId} records={chunk.RecordCount} bytes={chunk.Length}");
        try
        {
            result = Instance.Flush(chunk);
        }
        catch (Exception ex)
        {
            _log.Error("output", $"{Name}: flush of chunk {delivery.TaskId} failed: {ex.Message}");
            _lastError = $"the flush threw: {ex.Message}";
            result = FlushResult.Error;
        }
        finally
        {
            _inFlight.TryRemove(delivery, out _);
        }
        if (trace)
            _log.Write(LogLevel.Trace, "task", $"{Name}: task_id={delivery.TaskId} returned {result} after {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.###} ms");
        if (delivery.Claim.IsFinished) return; // a stop gave up on this flush and has counted it
        if (result != FlushResult.Ok && Volatile.Read(ref _abortedAtStop))
        {
            Discard(delivery, HungFlushReason);
            return;
        }

        switch (result)
        {
            case FlushResult.Ok:
                if (!delivery.Claim.TryFinish()) return;
                Interlocked.Add(ref Metrics.ProcRecordsValue, chunk.RecordCount);
                Interlocked.Add(ref Metrics.ProcBytesValue, chunk.Length);
                Complete(delivery);
                break;
            case FlushResult.Retry when RetryLimit == Plugins.Properties.RetryLimit.Unlimited || delivery.Retries < RetryLimit:
                delivery.Claim.EndFlush();
                ScheduleRetry(delivery);
                break;
            case FlushResult.Retry when RetryLimit == 0:
                // no_retries: Fluent Bit drops at once and does not count a failed retry.
                if (!delivery.Claim.TryFinish()) return;
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} is not retried (no retry config): output={Name}, {chunk.RecordCount} records dropped", LogEvents.RetriesExhausted, EventData(delivery));
                KeepRejected(delivery, "no_retries", "the flush asked for a retry and retry_limit is no_retries");
                Complete(delivery);
                break;
            case FlushResult.Retry:
                if (!delivery.Claim.TryFinish()) return;
                Interlocked.Increment(ref Metrics.RetriesFailedValue);
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} cannot be retried: output={Name} retry limit {RetryLimit} reached, {chunk.RecordCount} records dropped", LogEvents.RetriesExhausted, EventData(delivery));
                KeepRejected(delivery, "retry_limit", $"retry limit {RetryLimit} reached after {delivery.Retries + 1} attempts");
                Complete(delivery);
                break;
            default:
                if (!delivery.Claim.TryFinish()) return;
                Interlocked.Increment(ref Metrics.ErrorsValue);
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} failed in output={Name}: {chunk.RecordCount} records dropped", LogEvents.FlushError, EventData(delivery));
                KeepRejected(delivery, "error", _lastError ?? "the flush returned FLB_ERROR");
                Complete(delivery);
                break;
        }
    }

    private void ScheduleRetry(Delivery delivery)
    {
        lock (_retryGate)
        {
            if (_retriesClosed)
            {
                Discard(delivery, "the pipeline stopped before a retry could be scheduled");
                return;
            }
            ScheduleRetryLocked(delivery);
        }
    }

    private void ScheduleRetryLocked(Delivery delivery)
    {
        var wait = _backoff.Next(delivery.Retries);
        var next = delivery with { Retries = delivery.Retries + 1 };
        Interlocked.Increment(ref Metrics.RetriesValue);
        Interlocked.Add(ref Metrics.RetriedRecordsValue, delivery.Chunk.RecordCount);
        _log.Write(LogLevel.Info, "engine", $"chunk '{delivery.Chunk.Tag}' task_id={delivery.TaskId} output={Name} will retry in {wait.TotalSeconds:0.#} seconds (retry {next.Retries})", LogEvents.Retry, EventData(delivery) with { Retry = next.Retries, RetryIn = wait });
        var timer = new Timer(_ => Requeue(next), null, Timeout.Infinite, Timeout.Infinite);
        _scheduledRetries[next] = timer;
        timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    private void Requeue(Delivery delivery)
    {
        lock (_retryGate)
        {
            if (!_scheduledRetries.TryRemove(delivery, out var timer)) return;
            timer.Dispose();
            if (_retriesClosed) Discard(delivery, "the output had stopped");
            else _queue.Add(delivery);
        }
    }

    private void Discard(Delivery delivery, string why)
    {
        if (!delivery.Claim.TryFinish()) return;
        if (delivery.Chunk.File is not null)
        {
            // Filesystem storage: nothing is lost; the next start with the same storage.path delivers it.
            _log.Write(LogLevel.Info, "engine", $"chunk '{delivery.Chunk.Tag}' task_id={delivery.TaskId} output={Name}: {delivery.Chunk.RecordCount} records stay in storage for the next start because {why}", LogEvents.Discarded, EventData(delivery));
            Kept?.Invoke(delivery.Chunk.RecordCount, why);
            Complete(delivery, done: false);
            return;
        }
        Interlocked.Add(ref Metrics.DroppedRecordsValue, delivery.Chunk.RecordCount);
        _log.Write(LogLevel.Warn, "engine", $"chunk '{delivery.Chunk.Tag}' task_id={delivery.TaskId} output={Name}: {delivery.Chunk.RecordCount} records discarded because {why}", LogEvents.Discarded, EventData(delivery));
        Discarded?.Invoke(delivery.Chunk.RecordCount, why);
        Complete(delivery);
    }

    private LogEventData EventData(Delivery delivery) =>
        new(Name, delivery.Chunk.Tag, delivery.TaskId, delivery.Chunk.RecordCount);

    // The delivery's claim is taken: release the chunk and the pending count once. Not done: a stop
    // left it pending, and with a file it is delivered at the next start.
    private void Complete(Delivery delivery, bool done = true)
    {
        if (delivery.Claim.Node is { } node)
        {
            lock (_stored)
            {
                if (node.List is not null)
                {
                    _stored.Remove(node);
                    _storedBytes -= delivery.Chunk.Length;
                }
            }
        }
        delivery.Chunk.Release(Name, done);
        _pending.Done();
    }

    private sealed record Delivery(Chunk Chunk, long TaskId, int Retries, DeliveryClaim Claim);

    /// <summary>Shared by a delivery and its retries: whoever finishes it first counts it, exactly once.</summary>
    private sealed class DeliveryClaim
    {
        private int _state; // 0 waiting, 1 flushing, 2 finished

        public bool IsFinished => Volatile.Read(ref _state) == 2;

        public bool TryFinish() => Interlocked.Exchange(ref _state, 2) != 2;

        /// <summary>Finishes it only when no flush holds it (a flush may still read the chunk).</summary>
        public bool TryFinishIdle() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        public bool TryStartFlush() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public void EndFlush() => Interlocked.CompareExchange(ref _state, 0, 1);

        /// <summary>The delivery's place in the output's list of file-backed chunks, if it has one.</summary>
        public LinkedListNode<Delivery>? Node { get; set; }
    }
}

/// <summary>Counts deliveries not yet finished, so a stop can wait for them within the grace period.</summary>
internal sealed class PendingWork
{
    private long _count;

    /// <summary>Set when the grace period ended: whatever is still queued is discarded.</summary>
    public bool Abandoned { get; set; }

    public long Count => Interlocked.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);

    public void Done() => Interlocked.Decrement(ref _count);

    public bool WaitForZero(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var spinner = new SpinWait();
        while (Count > 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            if (spinner.Count < 20) spinner.SpinOnce();
            else Thread.Sleep(5);
        }
        return true;
    }
}
