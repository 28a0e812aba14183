using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// One Go output instance that runs in a plugin host: what the host needs to initialise it again
/// after a restart (its name and settings), and the id the host knows it by.
/// </summary>
internal sealed class IsolatedGoOutput
{
    private static int _nextId;
    private HostSupervisor? _supervisor;

    public IsolatedGoOutput(string path, string pluginName, OutputContext context)
    {
        Path = path;
        PluginName = pluginName;
        Name = context.InstanceName;
        Properties = context.Properties.Where(p => !p.Key.Equals(GoOutputProperties.Isolation, StringComparison.OrdinalIgnoreCase)).ToList();
        Log = context.Log;
        PipelineId = context.PipelineId;
    }

    public int Id { get; } = Interlocked.Increment(ref _nextId);
    public string Path { get; }
    public string PluginName { get; }
    public string Name { get; }
    public IReadOnlyList<PluginProperty> Properties { get; }
    public AgentLog Log { get; }
    public Guid PipelineId { get; }
    public IReadOnlyList<string> RequestedKeys { get; set; } = [];
    public HostSupervisor? Supervisor => _supervisor;

    public void Init()
    {
        var supervisor = HostSupervisor.Acquire(Path, PluginName, PipelineId, Log);
        try
        {
            supervisor.Init(this);
        }
        catch (Exception ex)
        {
            supervisor.Release();
            throw ex switch
            {
                PluginException => ex,
                GoPluginLoadException or PluginHostException => new PluginException($"Go plugin '{PluginName}' ({Name}) could not start in its plugin host: {ex.Message}", ex),
                _ => new PluginException($"Go plugin '{PluginName}' ({Name}) failed to initialise: {ex.Message}", ex),
            };
        }
        _supervisor = supervisor;
    }

    public (FlushResult Result, string? Error) Flush(Chunk chunk) =>
        _supervisor?.Flush(this, chunk) ?? (FlushResult.Error, "the instance is not initialised");

    public void Exit()
    {
        var supervisor = Interlocked.Exchange(ref _supervisor, null);
        if (supervisor?.Exit(this) is { } keys) RequestedKeys = keys;
    }
}
