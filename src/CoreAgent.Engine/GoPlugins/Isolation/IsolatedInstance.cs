using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// One Go plugin instance (input or output) that runs in a plugin host: what the host needs to
/// initialise it again after a restart (its name and settings), and the id the host knows it by.
/// </summary>
internal abstract class IsolatedInstance
{
    private static int _nextId;

    protected IsolatedInstance(string path, string pluginName, PluginContext context, Guid pipelineId)
    {
        Path = path;
        PluginName = pluginName;
        Name = context.InstanceName;
        Properties = context.Properties.Where(p => !p.Key.Equals(GoOutputProperties.Isolation, StringComparison.OrdinalIgnoreCase)).ToList();
        Log = context.Log;
        PipelineId = pipelineId;
    }

    public int Id { get; } = Interlocked.Increment(ref _nextId);
    public string Path { get; }
    public string PluginName { get; }
    public string Name { get; }
    public IReadOnlyList<Plugins.Properties.PluginProperty> Properties { get; }
    public AgentLog Log { get; }
    public Guid PipelineId { get; }
    public IReadOnlyList<string> RequestedKeys { get; set; } = [];

    /// <summary>Sent with Init: the host builds an input or an output instance.</summary>
    public abstract bool IsInput { get; }
}
