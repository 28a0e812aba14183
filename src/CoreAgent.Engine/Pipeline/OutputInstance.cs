using System.Collections.Concurrent;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

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
    private long _nextTaskId;

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
    internal IOutputPlugin Instance { get; }
    internal bool Initialized { get; set; }

    /// <summary>Chunks waiting in the queue or scheduled for a retry.</summary>
    public int Backlog => _queue.Count + _scheduledRetries.Count;

    internal void Enqueue(Chunk chunk)
    {
        _pending.Add();
        _queue.Add(new Delivery(chunk, Interlocked.Increment(ref _nextTaskId), 0));
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

    /// <summary>Stops taking work: workers finish their current flush and exit; queued chunks are dropped and counted.</summary>
    internal void StopWorkers(TimeSpan timeout)
    {
        _queue.CompleteAdding();
        foreach (var timer in _scheduledRetries)
        {
            timer.Value.Dispose();
            if (_scheduledRetries.TryRemove(timer.Key, out _)) Discard(timer.Key, "a retry was still scheduled");
        }
        var deadline = DateTime.UtcNow + timeout;
        foreach (var worker in _workers) worker.Join(Max(TimeSpan.Zero, deadline - DateTime.UtcNow));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void WorkLoop()
    {
        foreach (var delivery in _queue.GetConsumingEnumerable())
        {
            if (_queue.IsAddingCompleted && _pending.Abandoned)
            {
                Discard(delivery, "the grace period ended");
                continue;
            }
            Deliver(delivery);
        }
    }

    private void Deliver(Delivery delivery)
    {
        var chunk = delivery.Chunk;
        FlushResult result;
        try
        {
            result = Instance.Flush(chunk);
        }
        catch (Exception ex)
        {
            _log.Error("output", $"{Name}: flush of chunk {delivery.TaskId} failed: {ex.Message}");
            result = FlushResult.Error;
        }

        switch (result)
        {
            case FlushResult.Ok:
                Interlocked.Add(ref Metrics.ProcRecordsValue, chunk.RecordCount);
                Interlocked.Add(ref Metrics.ProcBytesValue, chunk.Length);
                Finish(delivery);
                break;
            case FlushResult.Retry when RetryLimit == Plugins.Properties.RetryLimit.Unlimited || delivery.Retries < RetryLimit:
                ScheduleRetry(delivery);
                break;
            case FlushResult.Retry when RetryLimit == 0:
                // no_retries: Fluent Bit drops at once and does not count a failed retry.
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} is not retried (no retry config): output={Name}, {chunk.RecordCount} records dropped", LogEvents.RetriesExhausted, EventData(delivery));
                Finish(delivery);
                break;
            case FlushResult.Retry:
                Interlocked.Increment(ref Metrics.RetriesFailedValue);
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} cannot be retried: output={Name} retry limit {RetryLimit} reached, {chunk.RecordCount} records dropped", LogEvents.RetriesExhausted, EventData(delivery));
                Finish(delivery);
                break;
            default:
                Interlocked.Increment(ref Metrics.ErrorsValue);
                Interlocked.Add(ref Metrics.DroppedRecordsValue, chunk.RecordCount);
                _log.Write(LogLevel.Warn, "engine", $"chunk '{chunk.Tag}' task_id={delivery.TaskId} failed in output={Name}: {chunk.RecordCount} records dropped", LogEvents.FlushError, EventData(delivery));
                Finish(delivery);
                break;
        }
    }

    private void ScheduleRetry(Delivery delivery)
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
        if (!_scheduledRetries.TryRemove(delivery, out var timer)) return;
        timer.Dispose();
        try
        {
            _queue.Add(delivery);
        }
        catch (InvalidOperationException)
        {
            Discard(delivery, "the output had stopped");
        }
    }

    private void Discard(Delivery delivery, string why)
    {
        Interlocked.Add(ref Metrics.DroppedRecordsValue, delivery.Chunk.RecordCount);
        _log.Write(LogLevel.Warn, "engine", $"chunk '{delivery.Chunk.Tag}' task_id={delivery.TaskId} output={Name}: {delivery.Chunk.RecordCount} records discarded because {why}", LogEvents.Discarded, EventData(delivery));
        Finish(delivery);
    }

    private LogEventData EventData(Delivery delivery) =>
        new(Name, delivery.Chunk.Tag, delivery.TaskId, delivery.Chunk.RecordCount);

    private void Finish(Delivery delivery)
    {
        delivery.Chunk.Release();
        _pending.Done();
    }

    private sealed record Delivery(Chunk Chunk, long TaskId, int Retries);
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
