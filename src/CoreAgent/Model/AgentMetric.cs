namespace CoreAgent.Commands;

/// <summary>
/// One figure of one plugin instance, flat so that Where-Object, Group-Object and Export-Csv take it
/// as it is: a counter of /api/v1/metrics (Source Engine, Metric "records"), or a sample a plugin
/// keeps in its own metrics (Source Plugin, Metric "fluentbit_plugin_records_total", with its labels).
/// </summary>
public sealed class AgentMetric
{
    internal AgentMetric(string pipeline, string section, string instance, string plugin, string metric, double value,
        string type, string labels, string source)
    {
        Pipeline = pipeline;
        Section = section;
        Instance = instance;
        Plugin = plugin;
        Metric = metric;
        Value = value;
        Type = type;
        Labels = labels;
        Source = source;
    }

    public string Pipeline { get; }

    /// <summary>input, filter or output, as the sections of /api/v1/metrics.</summary>
    public string Section { get; }

    /// <summary>The instance name (dummy.0, or its Alias).</summary>
    public string Instance { get; }

    public string Plugin { get; }

    /// <summary>The key of /api/v1/metrics (records, proc_bytes...), or the plugin's own metric name.</summary>
    public string Metric { get; }

    public double Value { get; }

    /// <summary>counter, or the type the plugin gave its own metric (gauge, histogram...).</summary>
    public string Type { get; }

    /// <summary>A plugin metric's labels as Prometheus writes them (tag="app"); empty for the engine's counters.</summary>
    public string Labels { get; }

    /// <summary>Engine (the pipeline's counters) or Plugin (the metrics the plugin keeps itself).</summary>
    public string Source { get; }

    public override string ToString() => $"{Instance} {Metric}{(Labels.Length > 0 ? "{" + Labels + "}" : "")} {Value}";
}
