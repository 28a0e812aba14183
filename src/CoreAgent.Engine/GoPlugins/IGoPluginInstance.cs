using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>What the flb_api callbacks need from a Go plugin instance, input or output, found by the id in o_ins/i_ins.</summary>
internal unsafe interface IGoPluginInstance
{
    /// <summary>A native copy of the property's value that lives until the instance exits, or null for "".</summary>
    byte* GetProperty(string key);

    AgentLog Log { get; }

    /// <summary>The instance's struct cmt* from the plugin's own cmetrics, or null when it has none.</summary>
    void* MetricsContext { get; }
}
