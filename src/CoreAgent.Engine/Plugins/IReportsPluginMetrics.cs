using CoreAgent.Engine.GoPlugins.Cmetrics;

namespace CoreAgent.Engine.Plugins;

/// <summary>A plugin instance that keeps metrics of its own (a Go plugin with its cmetrics), read on demand.</summary>
public interface IReportsPluginMetrics
{
    /// <summary>A snapshot of the plugin's own metrics; empty when it has none or they cannot be read now.</summary>
    IReadOnlyList<PluginMetric> ReadPluginMetrics();
}
