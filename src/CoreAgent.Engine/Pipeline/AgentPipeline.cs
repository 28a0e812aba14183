using System.Collections.Concurrent;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;

namespace CoreAgent.Engine.Pipeline;

public enum PipelineState { Created, Starting, Running, Stopping, Stopped, Failed }

public sealed class PipelineStateChangedEventArgs(PipelineState previous, PipelineState current) : EventArgs
{
    public PipelineState Previous { get; } = previous;
    public PipelineState Current { get; } = current;
}

/// <summary>
/// A pipeline: inputs write chunks, the filters whose Match covers a chunk's tag run on it, the
/// router hands it to every output whose Match covers the tag, and each output flushes on its own
/// workers. Start initialises every plugin (and undoes that if any fails); Stop stops the inputs,
/// flushes what they already produced, waits up to Grace for the outputs, then exits every plugin.
/// </summary>
public sealed class AgentPipeline : IDisposable
{
    private readonly object _lifecycle = new();
    private readonly PendingWork _pending = new();
    private readonly ConcurrentDictionary<string, byte> _unroutedTags = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Set once Start has finished (running or failed): an input that asks for a stop while Start is
    // still going (tail's Exit_On_Eof on a small file) is answered only then.
    private readonly TaskCompletionSource _startFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _inputCancellation;
    private CancellationTokenSource? _flushTimerCancellation;
    private Thread? _flushTimer;
    private readonly CancellationTokenSource _filterStop = new();
    private ChunkRouter<OutputInstance> _router = null!;
    private PipelineState _state = PipelineState.Created;
    private BacklogLoader? _backlog;
    private Monitoring.MonitoringServer? _monitor;

    private AgentPipeline(PipelineDefinition definition, ServiceSettings service, AgentLog log)
    {
        Definition = definition;
        Name = definition.Name;
        Service = service;
        Log = log;
    }

    public Guid Id { get; } = Guid.NewGuid();
    public string Name { get; }
    public PipelineDefinition Definition { get; }
    public ServiceSettings Service { get; }
    public AgentLog Log { get; }
    public IReadOnlyList<InputInstance> Inputs { get; private set; } = [];

    /// <summary>The parsers the plugins of this pipeline can use, by name.</summary>
    public ParserRegistry Parsers { get; private init; } = ParserRegistry.Empty;

    /// <summary>Records the outputs discarded (grace period over, retries cancelled by the stop, hung flushes), by reason.</summary>
    public DiscardTally Discards { get; } = new();

    /// <summary>The pipeline's memory bound (default per input, and total) and its buffered bytes.</summary>
    public MemoryBudget Memory { get; private set; } = new(null, null);
    /// <summary>The chunk files under [SERVICE] storage.path, or null when it is not set.</summary>
    public ChunkStore? Storage { get; private set; }

    /// <summary>The monitoring API while the pipeline runs with [SERVICE] HTTP_Server On; null otherwise.</summary>
    public Monitoring.MonitoringServer? Monitor => _monitor;

    public IReadOnlyList<FilterInstance> Filters { get; private set; } = [];
    public IReadOnlyList<OutputInstance> Outputs { get; private set; } = [];
    public DateTimeOffset? StartTime { get; private set; }
    public DateTimeOffset? StopTime { get; private set; }

    public TimeSpan Uptime => StartTime is { } start ? (StopTime ?? DateTimeOffset.Now) - start : TimeSpan.Zero;

    public PipelineState State
    {
        get { lock (_lifecycle) return _state; }
    }

    /// <summary>Why the pipeline failed, when it did.</summary>
    public Exception? Error { get; private set; }

    /// <summary>What the build found valid but worth a warning (settings without effect, fallback values), for the caller to show.</summary>
    public IReadOnlyList<PipelineProblem> BuildWarnings { get; private init; } = [];

    /// <summary>Completes when the pipeline has stopped (or failed).</summary>
    public Task Completion => _stopped.Task;

    public event EventHandler<PipelineStateChangedEventArgs>? StateChanged;

    /// <summary>Validates the definition against the catalog and creates (but does not start) every plugin instance.</summary>
    public static AgentPipeline Build(PipelineDefinition definition, PluginCatalog catalog, AgentLog? log = null)
    {
        log ??= new AgentLog();
        var resolved = PipelineBuilder.Resolve(definition, catalog, log);
        log.Level = resolved.Service.LogLevel;
        var pipeline = new AgentPipeline(definition, resolved.Service, log) { Parsers = resolved.Parsers, BuildWarnings = resolved.Warnings };
        pipeline.CreateInstances(resolved.Inputs, resolved.Filters, resolved.Outputs);
        return pipeline;
    }

    private void CreateInstances(List<PipelineBuilder.ResolvedInstance> inputs, List<PipelineBuilder.ResolvedInstance> filters,
        List<PipelineBuilder.ResolvedInstance> outputs)
    {
        var backoff = new RetryBackoff(Service.SchedulerBase, Service.SchedulerCap);
        Storage = Service.Storage.Path is null ? null : new ChunkStore(Service.Storage, Log);
        Outputs = outputs.Select(o =>
        {
            var p = o.Spec.Properties;
            var matcher = RouteRules.OutputMatcher(o.Spec, inputs.Count, outputs.Count, out _);
            if (matcher.IsEmpty) Log.Warn("router", $"NO match for {o.Name} output instance");
            int workers = (int)Math.Max(1, p.Get("workers") is { } w ? PropertyValues.ParseInteger("workers", w) : 1);
            int retryLimit = p.Get("retry_limit") is { } r ? RetryLimit.Parse("retry_limit", r) : 1;
            long? totalLimit = p.Get("storage.total_limit_size") is { } t ? PropertyValues.ParseSize("storage.total_limit_size", t) : null;
            return new OutputInstance(o.Name, o.Plugin, o.Plugin.CreateOutput!(), matcher, workers, retryLimit, backoff, Log, _pending)
            {
                Discarded = Discards.Add,
                Kept = Discards.AddKept,
                TotalLimitSize = totalLimit > 0 ? totalLimit : null,
                DeadLetters = Service.Storage.KeepRejected ? Storage?.DeadLetters : null,
            };
        }).ToList();

        Filters = filters.Select(f => new FilterInstance(f.Name, f.Plugin, f.Plugin.CreateFilter!(), RouteRules.FilterMatcher(f.Spec), Log)).ToList();
        _router = new ChunkRouter<OutputInstance>(new FilterChain(Filters), Outputs, o => o.Matcher);

        Memory = new MemoryBudget(Service.InputMemoryLimit, Service.TotalMemoryLimit);
        Inputs = inputs.Select(i =>
        {
            var p = i.Spec.Properties;
            string tag = RouteRules.InputTag(i.Spec, i.Name);
            long? limit = p.Get("mem_buf_limit") is { } m ? PropertyValues.ParseSize("mem_buf_limit", m) : null;
            bool routable = p.Get("routable") is not { } routableValue || PropertyValues.ParseBool("routable", routableValue);
            bool filesystem = p.Get("storage.type")?.Trim().Equals("filesystem", StringComparison.OrdinalIgnoreCase) == true;
            return new InputInstance(i.Name, i.Plugin, i.Plugin.CreateInput!(), tag, limit > 0 ? limit : null, routable, Log, Route, Memory,
                filesystem ? Storage : null);
        }).ToList();

        foreach (var input in Inputs)
        {
            if (Outputs.Any(o => o.Matcher.Matches(input.Tag))) continue;
            if (input.Tag.Contains('*')) continue; // a tag template (tail's Tag app.*): the real tags are known per file

            Log.Warn("router", $"input {input.Name} (tag '{input.Tag}') matches no output; its records are discarded");
        }
    }

    /// <summary>Initialises every plugin and starts the threads. On failure, every plugin already initialised is exited again.</summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            if (_state != PipelineState.Created) throw new InvalidOperationException($"pipeline '{Name}' is {_state}; a pipeline starts once");
            SetState(PipelineState.Starting);
        }
        try
        {
            if (Service.Monitoring.Enabled)
            {
                _monitor = new Monitoring.MonitoringServer(this, Service.Monitoring, Log);
                _monitor.Start(); // first: a port held by another pipeline fails the start before any plugin runs
            }
            Storage?.Open();
            var outputSpecs = Definition.Outputs;
            for (int i = 0; i < Outputs.Count; i++)
            {
                var output = Outputs[i];
                output.Instance.Init(new OutputContext(output.Name, outputSpecs[i].Properties, Log, Id) { Parsers = Parsers });
                output.Initialized = true;
            }
            for (int i = 0; i < Filters.Count; i++)
            {
                var filter = Filters[i];
                filter.Init(new FilterContext(filter.Name, Definition.Filters[i].Properties, Log, Id, _filterStop.Token) { Parsers = Parsers });
            }
            for (int i = 0; i < Inputs.Count; i++)
            {
                var input = Inputs[i];
                var inputName = input.Name;
                input.Instance.Init(new InputContext(input.Name, Definition.Inputs[i].Properties, Log, input.Emitter)
                {
                    Parsers = Parsers,
                    PipelineId = Id,
                    RequestStop = () =>
                    {
                        Log.Info("engine", $"pipeline '{Name}': input {inputName} asked the pipeline to stop");
                        _ = _startFinished.Task.ContinueWith(_ => Stop(), TaskScheduler.Default);
                    },
                });
            }
        }
        catch (Exception ex)
        {
            Log.Error("engine", $"pipeline '{Name}' failed to start: {ex.Message}");
            foreach (var input in Inputs) (input.Instance as IDisposable)?.Dispose(); // inputs that need an exit (Go) have one
            ExitFilters();
            ExitOutputs();
            Storage?.Dispose();
            _monitor?.Dispose();
            _monitor = null;
            Error = ex;
            SetState(PipelineState.Failed);
            _stopped.TrySetResult();
            _startFinished.TrySetResult();
            throw ex is PluginException or PropertyException or StorageException ? ex : new PluginException(ex.Message, ex);
        }

        _inputCancellation = new CancellationTokenSource();
        _flushTimerCancellation = new CancellationTokenSource();
        foreach (var output in Outputs) output.StartWorkers();
        StartTime = DateTimeOffset.Now;
        if (Storage is not null)
        {
            // What an earlier run left goes to the outputs before the inputs produce anything new.
            _backlog = new BacklogLoader(Storage.Recover(), Service.Storage.BacklogMemLimit, RouteRecovered, Log);
            _backlog.Start();
        }
        foreach (var input in Inputs) input.StartThread(_inputCancellation.Token);
        _flushTimer = new Thread(FlushLoop) { IsBackground = true, Name = $"CoreAgent flush {Name}" };
        _flushTimer.Start();
        SetState(PipelineState.Running);
        _startFinished.TrySetResult();
        Log.Info("engine", $"pipeline '{Name}' started: {Inputs.Count} input(s), {Filters.Count} filter(s), {Outputs.Count} output(s), flush {Service.FlushSeconds}s");
    }

    private void FlushLoop()
    {
        var token = _flushTimerCancellation!.Token;
        var interval = TimeSpan.FromSeconds(Service.FlushSeconds);
        while (!token.WaitHandle.WaitOne(interval))
        {
            foreach (var input in Inputs) input.Emitter.FlushOpenChunk();
        }
    }

    /// <summary>
    /// Filters a sealed chunk, then hands it to its outputs. Runs on the thread that sealed the chunk
    /// (Fluent Bit runs filters in the input's context); without filters it costs what routing alone did.
    /// </summary>
    private void Route(Chunk chunk, Action<Chunk> onReleased) => RouteExcept(chunk, onReleased, null);

    /// <summary>A chunk from an earlier run: it goes to the outputs that match its tag and have not finished it.</summary>
    private void RouteRecovered(Chunk chunk, Action<Chunk> onReleased, IReadOnlySet<string> delivered)
    {
        if (delivered.Count == 0 && _router.TargetsOf(chunk.Tag).Length == 0)
            Log.Warn("storage", $"a chunk of tag '{chunk.Tag}' left by an earlier run ({chunk.RecordCount} records) matches no output; it is deleted");
        RouteExcept(chunk, onReleased, delivered.Count == 0 ? null : delivered);
    }

    private void RouteExcept(Chunk chunk, Action<Chunk> onReleased, IReadOnlySet<string>? delivered, int depth = 0)
    {
        var emitted = new List<Chunk>();
        var filtered = _router.Filter(chunk, onReleased, emitted);
        if (filtered is not null) Deliver(filtered, onReleased, delivered);
        foreach (var next in emitted)
        {
            // A filter skips its own emitter's chunks; two rewrite_tag filters feeding each other
            // could still loop, so a record re-emitted this many times in a row is dropped.
            if (depth >= MaxReemitDepth)
            {
                Log.Warn("filter", $"{next.RecordCount} record(s) of tag '{next.Tag}' re-emitted {depth} times in a row by rewrite_tag filters are dropped (a loop between filters?)");
                next.SetReferences(0, null);
                continue;
            }
            RouteExcept(next, static _ => { }, null, depth + 1);
        }
    }

    private const int MaxReemitDepth = 8;

    private void Deliver(Chunk chunk, Action<Chunk> onReleased, IReadOnlySet<string>? delivered)
    {
        var targets = _router.TargetsOf(chunk.Tag);
        if (delivered is not null) targets = targets.Where(o => !delivered.Contains(o.Name)).ToArray();
        if (targets.Length == 0 && _unroutedTags.TryAdd(chunk.Tag, 0))
            Log.Debug("router", $"no output matches tag '{chunk.Tag}'; its records are discarded");
        chunk.SetReferences(targets.Length, onReleased);
        foreach (var output in targets) output.Enqueue(chunk);
    }

    /// <summary>Stops gracefully: no new records, what was accepted is flushed within Grace, then every plugin exits.</summary>
    public void Stop()
    {
        PipelineState previous;
        lock (_lifecycle)
        {
            previous = _state;
            if (previous == PipelineState.Running) _state = PipelineState.Stopping;
        }
        switch (previous)
        {
            case PipelineState.Stopping or PipelineState.Stopped or PipelineState.Failed:
                _stopped.Task.Wait(); // another caller is stopping it, or it is already down
                return;
            case PipelineState.Created or PipelineState.Starting:
                SetState(PipelineState.Stopped);
                _stopped.TrySetResult();
                return;
        }
        RaiseStateChanged(PipelineState.Running, PipelineState.Stopping);

        var grace = TimeSpan.FromSeconds(Service.GraceSeconds);
        var deadline = DateTime.UtcNow + grace;
        // Filters run on the input threads, the flush timer and, for the last open chunks, right
        // here: one that never returns would hold Stop forever. At the end of the grace period
        // they are told to give up, and what they had passes unchanged.
        var giveUp = TimeSpan.FromMilliseconds(Math.Min(grace.TotalMilliseconds, int.MaxValue)); // a Timer's limit
        using (Filters.Count == 0 ? null : new Timer(_ => CancelFilters(), null, giveUp, Timeout.InfiniteTimeSpan))
        {
            _backlog?.Stop(); // chunks of an earlier run not loaded yet stay in their files
            _inputCancellation!.Cancel();
            foreach (var input in Inputs)
            {
                if (!input.Join(TimeSpan.FromSeconds(Math.Max(1, grace.TotalSeconds))))
                    Log.Warn("engine", $"input {input.Name} did not stop in time");
            }
            _flushTimerCancellation!.Cancel();
            _flushTimer!.Join();
            foreach (var input in Inputs) input.Emitter.FlushOpenChunk();
        }

        var remaining = deadline - DateTime.UtcNow;
        bool graceEnded = false;
        if (!_pending.WaitForZero(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero))
        {
            _pending.Abandoned = true;
            graceEnded = true;
            Log.Warn("engine", $"pipeline '{Name}': the grace period ({grace.TotalSeconds:0.#}s) ended with {_pending.Count} chunk deliveries pending; they are discarded");
        }
        // Every output first stops taking work (and an isolated one ends a flush that outlived the
        // grace period with its host), then each is waited for: a hung plugin costs no extra time.
        foreach (var output in Outputs) output.CloseForStop(abortHungFlushes: graceEnded);
        var workerDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(5); // one deadline for all outputs, not 5 s each
        foreach (var output in Outputs) output.StopWorkers(workerDeadline);
        ExitOutputs();
        ExitFilters();
        Storage?.Dispose();
        StopTime = DateTimeOffset.Now;
        _monitor?.Dispose(); // the API answers until the last counter is final
        SetState(PipelineState.Stopped);
        if (Discards.Describe(Name) is { } discarded) Log.Warn("engine", discarded);
        if (Discards.KeptRecords > 0) Log.Info("storage", $"pipeline '{Name}': {Discards.KeptRecords} record(s) stay in {Storage?.Root} and are delivered when a pipeline starts on it again");
        Log.Info("engine", $"pipeline '{Name}' stopped");
        _stopped.TrySetResult();
    }

    public Task StopAsync() => Task.Run(Stop);

    private void ExitOutputs()
    {
        var preExited = new HashSet<object>();
        foreach (var output in Outputs.Where(o => o.Initialized))
        {
            if (output.Instance is GoOutput go && go.PreExitScope is { } scope && preExited.Add(scope)) Try(output, go.PreExit);
        }
        foreach (var output in Outputs.Where(o => o.Initialized))
        {
            output.Initialized = false;
            Try(output, output.Instance.Exit);
        }
    }

    private void CancelFilters()
    {
        var busy = Filters.Where(f => f.IsBusy).Select(f => f.Name).ToList();
        if (busy.Count > 0)
            Log.Warn("engine", $"pipeline '{Name}': filter {string.Join(", ", busy)} still running at the end of the grace period; it is cancelled and its chunk passes unchanged");
        _filterStop.Cancel();
    }

    private void ExitFilters()
    {
        foreach (var filter in Filters) filter.Exit();
    }

    private void Try(OutputInstance output, Action action)
    {
        try { action(); }
        catch (Exception ex) { Log.Error("engine", $"{output.Name}: exit failed: {ex.Message}"); }
    }

    private void SetState(PipelineState next)
    {
        PipelineState previous;
        lock (_lifecycle)
        {
            previous = _state;
            _state = next;
        }
        RaiseStateChanged(previous, next);
    }

    private void RaiseStateChanged(PipelineState previous, PipelineState next)
    {
        try { StateChanged?.Invoke(this, new PipelineStateChangedEventArgs(previous, next)); }
        catch (Exception ex) { Log.Error("engine", $"a StateChanged handler failed: {ex.Message}"); }
    }

    public void Dispose() => Stop();
}
