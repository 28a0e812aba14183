using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// The plugin host of one Go library in one pipeline run, shared by that library's instances.
/// When the host dies, the flushes it had count as FLB_RETRY, the panic text is logged at error
/// level (event PluginCrashed, raised as OutputError), and the host is started again with backoff
/// and every instance initialised again with its settings. After <see cref="MaxStartTries"/>
/// consecutive failed starts it gives up: the outputs fail every flush with a clear error
/// (event PluginGaveUp) while the rest of the pipeline goes on.
/// </summary>
internal sealed class HostSupervisor
{
    private static readonly Dictionary<(string, Guid), HostSupervisor> Shared = [];
    private readonly object _gate = new();
    private readonly List<IsolatedInstance> _instances = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, IsolatedInstance> _byId = new(); // for log lines, read without _gate
    private readonly ManualResetEventSlim _ready = new(false);
    private readonly ManualResetEventSlim _stopSignal = new(false);
    private PluginHostProcess? _host;
    private HostState _state = HostState.Starting;
    private string? _failure;
    private int _references;
    private int _flushing;
    private long _flushingRecords;
    private bool _preExited;
    private DateTime? _exitDeadline;

    private enum HostState { Starting, Ready, Restarting, Failed, Stopped }

    /// <summary>Consecutive failed starts after which the supervisor gives up.</summary>
    internal static int MaxStartTries { get; set; } = 4;

    /// <summary>The wait before restart n (1-based): 0.5 s, 1 s, 2 s, 4 s ...</summary>
    internal static Func<int, TimeSpan> RestartDelay { get; set; } = n => TimeSpan.FromSeconds(Math.Min(8, 0.5 * Math.Pow(2, n - 1)));

    /// <summary>How long a host may take to start and connect (a loaded machine starts .NET slowly).</summary>
    internal static TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long Init may take in the host.</summary>
    internal static TimeSpan InitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>PreExit and every ExitCtx of one host must be done within this after the first of them.</summary>
    internal static TimeSpan ExitBudget { get; set; } = TimeSpan.FromSeconds(2);

    private HostSupervisor(string path, string pluginName, Guid pipeline, AgentLog log)
    {
        Path = path;
        PluginName = pluginName;
        Pipeline = pipeline;
        Log = log;
    }

    public string Path { get; }
    public string PluginName { get; }
    public Guid Pipeline { get; }
    public AgentLog Log { get; }

    /// <summary>The last crash report, for Invoke-AgentOutput's result.</summary>
    public string? LastCrash { get; private set; }

    /// <summary>The host's process id, or null while there is none.</summary>
    public int? ProcessId
    {
        get { lock (_gate) return _host?.ProcessId; }
    }

    public static HostSupervisor Acquire(string path, string pluginName, Guid pipeline, AgentLog log)
    {
        lock (Shared)
        {
            if (!Shared.TryGetValue((path, pipeline), out var supervisor))
                Shared[(path, pipeline)] = supervisor = new HostSupervisor(path, pluginName, pipeline, log);
            supervisor._references++;
            return supervisor;
        }
    }

    /// <summary>True while a pipeline run holds a host for this library (Remove-AgentPlugin refuses then).</summary>
    public static bool InUse(string path)
    {
        lock (Shared) return Shared.Keys.Any(k => k.Item1 == path);
    }

    /// <summary>Finds (or makes) the supervisor of the instance's library in its pipeline and initialises the instance there.</summary>
    public static HostSupervisor AcquireAndInit(IsolatedInstance instance)
    {
        var supervisor = Acquire(instance.Path, instance.PluginName, instance.PipelineId, instance.Log);
        try
        {
            supervisor.Init(instance);
            return supervisor;
        }
        catch (Exception ex)
        {
            supervisor.Release();
            throw ex switch
            {
                PluginException => ex,
                GoPluginLoadException or PluginHostException => new PluginException($"Go plugin '{instance.PluginName}' ({instance.Name}) could not start in its plugin host: {ex.Message}", ex),
                _ => new PluginException($"Go plugin '{instance.PluginName}' ({instance.Name}) failed to initialise: {ex.Message}", ex),
            };
        }
    }

    /// <summary>Initialises an instance in the host, starting the host first if it is not running.</summary>
    public void Init(IsolatedInstance instance)
    {
        lock (_gate)
        {
            if (_state is HostState.Failed) throw new PluginException($"{instance.Name}: {_failure}");
            if (_host is null)
            {
                _host = StartHost();
                _state = HostState.Ready;
                _ready.Set();
            }
            _byId[instance.Id] = instance;
            try
            {
                InitOn(_host, instance);
            }
            catch (PluginHostLostException)
            {
                _byId.TryRemove(instance.Id, out _);
                string report = Report(_host, "while it initialised " + instance.Name);
                _host.Dispose();
                _host = null;
                throw new PluginException($"{instance.Name}: Go plugin '{PluginName}' crashed in FLBPluginInit: {report}");
            }
            catch
            {
                _byId.TryRemove(instance.Id, out _);
                throw;
            }
            _instances.Add(instance);
        }
    }

    /// <summary>Flushes a chunk in the host; a host that dies meanwhile makes it FLB_RETRY.</summary>
    public (FlushResult Result, string? Error) Flush(IsolatedInstance instance, Chunk chunk)
    {
        _ready.Wait();
        PluginHostProcess? host;
        lock (_gate)
        {
            if (_state == HostState.Failed) return (FlushResult.Error, _failure);
            if (_state == HostState.Stopped || _host is null) return (FlushResult.Retry, "the plugin host was stopped");
            host = _host;
            _flushing++;
            _flushingRecords += chunk.RecordCount;
        }
        try
        {
            var (result, message) = host.Flush(instance.Id, chunk);
            return (result switch { 1 => FlushResult.Ok, 2 => FlushResult.Retry, _ => FlushResult.Error }, message.Length == 0 ? null : message);
        }
        catch (PluginHostLostException ex)
        {
            OnLost(host, instance, "during a flush", "its chunks in flight are retried");
            return (FlushResult.Retry, LastCrash ?? ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _flushing--;
                _flushingRecords -= chunk.RecordCount;
            }
        }
    }

    /// <summary>
    /// One collect callback of an input in the host. It may block as long as the plugin does; at
    /// stop it gets <see cref="ExitBudget"/> more to return, then the host is ended. A host that
    /// dies meanwhile is restarted as for a flush; the collect returns HostLost.
    /// </summary>
    public HostCollect Collect(IsolatedGoInput instance, CancellationToken cancellation)
    {
        try { _ready.Wait(cancellation); }
        catch (OperationCanceledException) { return new(CollectState.Stopped, 0, default, null); }
        PluginHostProcess? host;
        lock (_gate)
        {
            if (_state == HostState.Failed) return new(CollectState.GivenUp, 0, default, _failure);
            if (_state != HostState.Ready || _host is null) return new(CollectState.Stopped, 0, default, "the plugin host was stopped");
            host = _host;
        }
        try
        {
            var payload = host.Call(HostMessage.Collect, w => w.Int32(instance.Id), cancellation, ExitBudget);
            var reader = new FrameReader(payload);
            reader.Int64();
            long result = reader.Int64();
            string error = reader.String();
            int length = reader.Int32();
            return new(CollectState.Ok, result, new ReadOnlyMemory<byte>(payload, payload.Length - length, length), error.Length == 0 ? null : error);
        }
        catch (PluginHostLostException ex)
        {
            if (cancellation.IsCancellationRequested) return new(CollectState.Stopped, 0, default, ex.Message);
            OnLost(host, instance, "during a collect callback", "the callback's records are lost; the input is initialised again");
            return new(CollectState.HostLost, 0, default, LastCrash ?? ex.Message);
        }
    }

    /// <summary>The instance's own cmetrics (Calyptia SDK plugins), read in the host; empty when the host is down or slow.</summary>
    public IReadOnlyList<Cmetrics.PluginMetric> ReadPluginMetrics(IsolatedInstance instance)
    {
        PluginHostProcess? host;
        lock (_gate) host = _state == HostState.Ready ? _host : null;
        if (host is null) return [];
        try
        {
            var (_, payload) = host.Request(HostMessage.Metrics, w => w.Int32(instance.Id), MetricsTimeout);
            var reader = new FrameReader(payload);
            reader.Int64();
            string text = reader.String();
            return text.Length == 0 ? [] : Cmetrics.PrometheusTextReader.Read(text);
        }
        catch (PluginHostLostException)
        {
            return [];
        }
    }

    /// <summary>How long a metrics read may take before the host counts as hung (it is killed and restarted).</summary>
    internal static TimeSpan MetricsTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The pipeline is stopping: no host is started again from now on.</summary>
    public void BeginStop()
    {
        lock (_gate)
        {
            if (_state == HostState.Restarting) _state = HostState.Stopped;
            _stopSignal.Set();
            _ready.Set();
        }
    }

    /// <summary>A flush did not return by the end of the grace period: the host is ended, and its flushes with it.</summary>
    public bool AbortFlushes(string why)
    {
        PluginHostProcess? host;
        lock (_gate)
        {
            if (_flushing == 0 || _host is null) return false;
            host = _host;
            _state = HostState.Stopped;
        }
        Log.Warn("go", $"plugin host of '{PluginName}' (pid {host.ProcessId}) is ended: {why}");
        host.Kill(why);
        return true;
    }

    /// <summary>FLBPluginOutputPreExit, once per host run, within the exit budget.</summary>
    public void PreExit()
    {
        PluginHostProcess? host;
        lock (_gate)
        {
            if (_preExited || _host is null || _host.IsLost) return;
            _preExited = true;
            host = _host;
        }
        TryCall(host, HostMessage.PreExit, null);
    }

    /// <summary>Exits one instance (ExitCtx in the host); the last one shuts the host down.</summary>
    public IReadOnlyList<string>? Exit(IsolatedInstance instance)
    {
        PluginHostProcess? host;
        lock (_gate)
        {
            _instances.Remove(instance);
            host = _host is { IsLost: false } ? _host : null;
        }
        IReadOnlyList<string>? keys = null;
        if (host is not null && TryCall(host, HostMessage.Exit, w => w.Int32(instance.Id)) is { } payload)
        {
            var reader = new FrameReader(payload);
            reader.Int64();
            keys = reader.Strings();
        }
        _byId.TryRemove(instance.Id, out _);
        Release();
        return keys;
    }

    /// <summary>Drops one reference; the last one ends the host.</summary>
    public void Release()
    {
        lock (Shared)
        {
            if (--_references > 0) return;
            Shared.Remove((Path, Pipeline));
        }
        PluginHostProcess? host;
        lock (_gate)
        {
            _state = HostState.Stopped;
            _stopSignal.Set();
            _ready.Set();
            host = _host;
            _host = null;
        }
        if (host is null) return;
        host.Shutdown();
        if (!host.WaitForExit(ExitBudget)) host.Kill("it did not exit after shutdown");
        host.Dispose();
    }

    private byte[]? TryCall(PluginHostProcess host, HostMessage type, Action<FrameWriter>? body)
    {
        TimeSpan budget;
        lock (_gate)
        {
            _exitDeadline ??= DateTime.UtcNow + ExitBudget;
            budget = _exitDeadline.Value - DateTime.UtcNow;
        }
        if (budget <= TimeSpan.Zero)
        {
            host.Kill($"{type} did not finish within the exit budget of {ExitBudget.TotalSeconds:0.#} s");
            return null;
        }
        try { return host.Request(type, body, budget).Payload; }
        catch (PluginHostLostException ex)
        {
            Log.Warn("go", $"plugin '{PluginName}': {type} was not completed: {ex.Reason}");
            return null;
        }
    }

    private PluginHostProcess StartHost()
    {
        var host = PluginHostProcess.Start(ConnectTimeout);
        host.LogReceived = OnHostLog;
        try
        {
            var (type, payload) = host.Request(HostMessage.Load, w => w.String(Path), InitTimeout);
            if (type == HostMessage.LoadFailed)
            {
                var reader = new FrameReader(payload);
                reader.Int64();
                var error = (GoPluginLoadError)reader.Int32();
                throw new GoPluginLoadException(error, Path, reader.String());
            }
            Log.Debug("go", $"plugin host of '{PluginName}' started (pid {host.ProcessId})");
            return host;
        }
        catch (PluginHostLostException)
        {
            string report = Report(host, "while it loaded the library");
            host.Dispose();
            throw new PluginHostException($"the plugin host of '{PluginName}' died {report}");
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private void InitOn(PluginHostProcess host, IsolatedInstance instance)
    {
        var (_, payload) = host.Request(HostMessage.Init, w =>
        {
            w.Int32(instance.Id).Int32(instance.IsInput ? ProxyConstants.InputPlugin : ProxyConstants.OutputPlugin).String(instance.Name).Int32((int)instance.Log.Level).Int32(instance.Properties.Count);
            foreach (var property in instance.Properties) w.String(property.Key).String(property.Value);
        }, InitTimeout);
        var reader = new FrameReader(payload);
        reader.Int64();
        int ok = reader.Int32();
        string message = reader.String();
        instance.RequestedKeys = reader.Strings();
        if (ok != 1) throw new PluginException(message);
    }

    private void OnHostLog(int instanceId, LogLevel level, string source, string message, string? logEvent)
    {
        var log = _byId.TryGetValue(instanceId, out var instance) ? instance.Log : Log;
        log.Write(level, source, message, logEvent);
    }

    private void OnLost(PluginHostProcess host, IsolatedInstance flushing, string when, string consequence)
    {
        lock (_gate)
        {
            if (host != _host || _state != HostState.Ready) return; // another flush saw it first, or a stop ended it
            _state = HostState.Restarting;
            _ready.Reset();
        }
        // The report is made here, before this flush returns, so its caller (Invoke-AgentOutput) can show it.
        long records;
        lock (_gate) records = _flushingRecords;
        string report = Report(host, when);
        host.Dispose();
        LastCrash = report;
        Log.Write(LogLevel.Error, "go", $"{flushing.Name}: the plugin host of Go plugin '{PluginName}' crashed: {report}; {consequence}",
            LogEvents.PluginCrashed, new LogEventData(flushing.Name, Records: records));
        new Thread(() => Recover(report, flushing)) { IsBackground = true, Name = $"CoreAgent plugin host {PluginName} restart" }.Start();
    }

    private void Recover(string report, IsolatedInstance flushing)
    {
        string lastFailure = report;

        for (int attempt = 1; attempt <= MaxStartTries; attempt++)
        {
            if (_stopSignal.Wait(RestartDelay(attempt))) break;
            PluginHostProcess? host = null;
            try
            {
                host = StartHost();
                List<IsolatedInstance> instances;
                lock (_gate) instances = [.. _instances];
                foreach (var instance in instances) InitOn(host, instance);
                lock (_gate)
                {
                    if (_state != HostState.Restarting) break; // stopped meanwhile: host is disposed below
                    _host = host;
                    host = null;
                    _state = HostState.Ready;
                    _ready.Set();
                }
                Log.Info("go", $"plugin host of '{PluginName}' restarted (attempt {attempt}); {instances.Count} instance(s) initialised again");
                return;
            }
            catch (Exception ex) when (ex is PluginHostException or PluginHostLostException or PluginException or GoPluginLoadException)
            {
                string why = ex is PluginHostLostException && host is not null ? Report(host, "while it initialised again") : ex.Message;
                lastFailure = why;
                Log.Warn("go", $"plugin host of '{PluginName}': restart {attempt} of {MaxStartTries} failed: {why}");
            }
            finally
            {
                host?.Dispose();
            }
        }

        lock (_gate)
        {
            if (_state != HostState.Restarting)
            {
                _ready.Set();
                return;
            }
            _state = HostState.Failed;
            _failure = $"Go plugin '{PluginName}' is given up: its plugin host died {MaxStartTries} times in a row while starting again; last failure: {lastFailure}";
            _ready.Set();
        }
        Log.Write(LogLevel.Error, "go", $"{flushing.Name}: {_failure}", LogEvents.PluginGaveUp, new LogEventData(flushing.Name));
    }

    private static string Report(PluginHostProcess host, string when)
    {
        var (exit, tail) = host.ExitInfo(TimeSpan.FromSeconds(3));
        string crash = HostCrash.Summarize(tail);
        return $"pid {host.ProcessId} {when}: {exit}" + (crash.Length > 0 ? Environment.NewLine + crash : "");
    }
}
