using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// A configured Go output instance. Its <c>isolation</c> setting, read at Init, decides where the
/// plugin runs: in a supervised plugin host process (process, the default) or loaded into this
/// process (none, <see cref="GoOutputPlugin"/>, with the signal repair).
/// </summary>
public sealed class GoOutput(string path, string pluginName) : IOutputPlugin, IStoppableOutput, IReportsPluginMetrics
{
    private GoOutputPlugin? _inProcess;
    private IsolatedGoOutput? _isolated;
    private IReadOnlyList<string> _requestedKeys = [];

    public string Path { get; } = path;

    /// <summary>The name the plugin registered.</summary>
    public string PluginName { get; } = pluginName;

    /// <summary>Where the instance runs (set at Init).</summary>
    public GoIsolation Isolation { get; private set; }

    /// <summary>The keys the plugin asked for through FLBPluginConfigKey, in first-asked order.</summary>
    public IReadOnlyCollection<string> RequestedKeys => _inProcess?.RequestedKeys ?? _isolated?.RequestedKeys ?? _requestedKeys;

    /// <summary>The last crash of the plugin host (isolated instances), with the panic text; null when none.</summary>
    public string? LastCrash => _isolated?.Supervisor?.LastCrash ?? _lastCrash;

    private string? _lastCrash;

    /// <summary>The plugin host's process id while one runs (isolated instances).</summary>
    public int? HostProcessId => _isolated?.Supervisor?.ProcessId;

    /// <summary>What PreExit is done once for: the library in-process, the host when isolated.</summary>
    internal object? PreExitScope => (object?)_inProcess?.Library ?? _isolated?.Supervisor;

    /// <summary>True while a pipeline run (or a one-shot flush) has a plugin host for this library.</summary>
    public static bool HostsRunning(string path) => HostSupervisor.InUse(path);

    public void Init(OutputContext context)
    {
        Isolation = GoOutputProperties.ParseIsolation(context.InstanceName, context.Properties.Get(GoOutputProperties.Isolation));
        if (Isolation == GoIsolation.None)
        {
            var library = GoPluginLibrary.Load(Path, context.Log);
            var plugin = new GoOutputPlugin(library);
            plugin.Init(context);
            _inProcess = plugin;
            return;
        }
        var isolated = new IsolatedGoOutput(Path, PluginName, context);
        isolated.Init();
        _isolated = isolated;
    }

    public FlushResult Flush(Chunk chunk)
    {
        if (_inProcess is not null) return _inProcess.Flush(chunk);
        if (_isolated is null) throw new InvalidOperationException("the output is not initialised");
        var (result, error) = _isolated.Flush(chunk);
        if (error is not null && result != FlushResult.Ok) LastFlushError = error;
        return result;
    }

    /// <summary>Why the last flush did not succeed, when the host said (a crash report, a give-up).</summary>
    public string? LastFlushError { get; private set; }

    internal void PreExit()
    {
        if (_inProcess is not null) _inProcess.PreExit();
        else _isolated?.Supervisor?.PreExit();
    }

    public void Exit()
    {
        if (_inProcess is not null)
        {
            _inProcess.Exit();
            return;
        }
        if (_isolated is null) return;
        _lastCrash = _isolated.Supervisor?.LastCrash;
        _isolated.Exit();
        _requestedKeys = _isolated.RequestedKeys;
    }

    /// <summary>The plugin's own cmetrics (Calyptia SDK plugins), in-process or read from the host.</summary>
    public IReadOnlyList<Cmetrics.PluginMetric> ReadPluginMetrics() =>
        _inProcess?.ReadPluginMetrics() ?? (_isolated?.Supervisor is { } supervisor ? supervisor.ReadPluginMetrics(_isolated) : []);

    void IStoppableOutput.BeginStop() => _isolated?.Supervisor?.BeginStop();

    bool IStoppableOutput.AbortFlushes(string why) => _isolated?.Supervisor?.AbortFlushes(why) ?? false;
}
