using CoreAgent.Engine.GoPlugins.Cmetrics;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Monitoring;

/// <summary>One counter of one instance: section input, filter or output, the plugin's name, Fluent Bit's metric name.</summary>
public sealed record MetricValue(string Section, string Instance, string Plugin, string Metric, long Value);

/// <summary>One sample a plugin keeps in its own metrics (a Go plugin's cmetrics), with the instance that reported it.</summary>
public sealed record PluginMetricValue(string Section, string Instance, string Plugin, PluginMetric Metric);

/// <summary>
/// The counters of a pipeline read at one moment, in Fluent Bit's /api/v1/metrics order: inputs,
/// filters, outputs, each instance by name (dummy.0) with its metric names; and, when asked for,
/// the metrics each plugin keeps itself, read through its own encoder in the same order.
/// </summary>
public sealed class MetricsReport
{
    private MetricsReport(List<MetricValue> values, List<PluginMetricValue> pluginValues, TimeSpan uptime, DateTimeOffset? start)
    {
        Values = values;
        PluginValues = pluginValues;
        Uptime = uptime;
        StartTime = start;
    }

    public IReadOnlyList<MetricValue> Values { get; }

    /// <summary>The plugins' own metrics; empty unless read (they cost a call into each Go plugin, or its host).</summary>
    public IReadOnlyList<PluginMetricValue> PluginValues { get; }

    public TimeSpan Uptime { get; }
    public DateTimeOffset? StartTime { get; }

    public static MetricsReport Of(AgentPipeline pipeline, bool withPluginMetrics = false)
    {
        var values = new List<MetricValue>();
        var pluginValues = new List<PluginMetricValue>();
        foreach (var input in pipeline.Inputs)
        {
            Add(values, "input", input.Name, input.Plugin.Name, input.Metrics.ToDictionary());
            if (withPluginMetrics) AddPlugin(pluginValues, "input", input.Name, input.Plugin.Name, input.ReadPluginMetrics());
        }
        foreach (var filter in pipeline.Filters) Add(values, "filter", filter.Name, filter.Plugin.Name, filter.Metrics.ToDictionary());
        foreach (var output in pipeline.Outputs)
        {
            Add(values, "output", output.Name, output.Plugin.Name, output.Metrics.ToDictionary());
            if (withPluginMetrics) AddPlugin(pluginValues, "output", output.Name, output.Plugin.Name, output.ReadPluginMetrics());
        }
        return new MetricsReport(values, pluginValues, pipeline.Uptime, pipeline.StartTime);
    }

    private static void Add(List<MetricValue> values, string section, string instance, string plugin, IReadOnlyDictionary<string, long> metrics)
    {
        foreach (var (name, value) in metrics) values.Add(new MetricValue(section, instance, plugin, name, value));
    }

    private static void AddPlugin(List<PluginMetricValue> values, string section, string instance, string plugin, IReadOnlyList<PluginMetric> metrics)
    {
        foreach (var metric in metrics) values.Add(new PluginMetricValue(section, instance, plugin, metric));
    }

    /// <summary>Sum of one output metric over every output (the health check's inputs).</summary>
    public long OutputTotal(string metric) => Values.Where(v => v.Section == "output" && v.Metric == metric).Sum(v => v.Value);
}
