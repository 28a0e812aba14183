using System.Collections.Specialized;
using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Commands;

/// <summary>One plugin instance of a pipeline with its live counters under Fluent Bit's metric names.</summary>
public sealed class AgentInstanceInfo
{
    private readonly Func<IReadOnlyDictionary<string, long>> _metrics;
    private readonly Func<IReadOnlyList<PluginMetric>> _pluginMetrics;
    private readonly OutputInstance? _output;

    internal AgentInstanceInfo(InputInstance input)
    {
        Name = input.Name;
        Plugin = input.Plugin.Name;
        Type = "Input";
        Route = input.Tag;
        _metrics = input.Metrics.ToDictionary;
        _pluginMetrics = input.ReadPluginMetrics;
    }

    internal AgentInstanceInfo(OutputInstance output)
    {
        Name = output.Name;
        Plugin = output.Plugin.Name;
        Type = "Output";
        Route = output.Matcher.ToString();
        _output = output;
        _metrics = output.Metrics.ToDictionary;
        _pluginMetrics = output.ReadPluginMetrics;
    }

    public string Name { get; }
    public string Plugin { get; }

    /// <summary>Input or Output.</summary>
    public string Type { get; }

    /// <summary>The tag an input produces, or the Match/Match_Regex of an output.</summary>
    public string Route { get; }

    /// <summary>Outputs: flushes under way right now (one that stays up while nothing moves is a hung plugin); null for inputs.</summary>
    public int? Flushing => _output?.Flushing;

    /// <summary>A snapshot of the counters, read when the property is read.</summary>
    public OrderedDictionary Metrics
    {
        get
        {
            var snapshot = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in _metrics()) snapshot[key] = value;
            return snapshot;
        }
    }

    /// <summary>
    /// The metrics the plugin keeps itself (a Go plugin built with Calyptia's SDK registers them in
    /// its own cmetrics), read through the plugin's encoder when the property is read.
    /// </summary>
    public IReadOnlyList<PluginMetric> PluginMetrics => _pluginMetrics();

    public override string ToString() => Name;
}
