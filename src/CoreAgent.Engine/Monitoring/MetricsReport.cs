using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Monitoring;

/// <summary>One counter of one instance: section input, filter or output, Fluent Bit's metric name.</summary>
public sealed record MetricValue(string Section, string Instance, string Metric, long Value);

/// <summary>
/// The counters of a pipeline read at one moment, in Fluent Bit's /api/v1/metrics order: inputs,
/// filters, outputs, each instance by name (dummy.0) with its metric names.
/// </summary>
public sealed class MetricsReport
{
    private MetricsReport(List<MetricValue> values, TimeSpan uptime, DateTimeOffset? start)
    {
        Values = values;
        Uptime = uptime;
        StartTime = start;
    }

    public IReadOnlyList<MetricValue> Values { get; }
    public TimeSpan Uptime { get; }
    public DateTimeOffset? StartTime { get; }

    public static MetricsReport Of(AgentPipeline pipeline)
    {
        var values = new List<MetricValue>();
        foreach (var input in pipeline.Inputs) Add(values, "input", input.Name, input.Metrics.ToDictionary());
        foreach (var filter in pipeline.Filters) Add(values, "filter", filter.Name, filter.Metrics.ToDictionary());
        foreach (var output in pipeline.Outputs) Add(values, "output", output.Name, output.Metrics.ToDictionary());
        return new MetricsReport(values, pipeline.Uptime, pipeline.StartTime);
    }

    private static void Add(List<MetricValue> values, string section, string instance, IReadOnlyDictionary<string, long> metrics)
    {
        foreach (var (name, value) in metrics) values.Add(new MetricValue(section, instance, name, value));
    }

    /// <summary>Sum of one output metric over every output (the health check's inputs).</summary>
    public long OutputTotal(string metric) => Values.Where(v => v.Section == "output" && v.Metric == metric).Sum(v => v.Value);
}
