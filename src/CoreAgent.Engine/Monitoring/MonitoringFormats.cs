using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Monitoring;

/// <summary>
/// The bodies the monitoring API answers, in Fluent Bit's shapes: JSON for /, /api/v1/uptime,
/// /api/v1/metrics and /api/v1/storage; the Prometheus text format for the two prometheus endpoints
/// (v1 with millisecond timestamps and sorted series, v2 as cmetrics prints it, without them).
/// </summary>
public static class MonitoringFormats
{
    public static string Version { get; } =
        typeof(MonitoringFormats).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>/: the build, under Fluent Bit's "fluent-bit" key so its clients can read it.</summary>
    public static string BuildInfo() => Json(w =>
    {
        w.WriteStartObject("fluent-bit");
        w.WriteString("version", Version);
        w.WriteString("edition", "CoreAgent");
        w.WriteStartArray("flags");
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static string Uptime(TimeSpan uptime)
    {
        long seconds = (long)uptime.TotalSeconds;
        return Json(w =>
        {
            w.WriteNumber("uptime_sec", seconds);
            w.WriteString("uptime_hr", HumanUptime(seconds));
        });
    }

    // Fluent Bit's wording, its double space and its plural rule (more than one) included.
    internal static string HumanUptime(long uptime)
    {
        long days = uptime / 86_400, hours = uptime % 86_400 / 3_600, minutes = uptime % 3_600 / 60, seconds = uptime % 60;
        static string S(long n) => n > 1 ? "s" : "";
        return $"Fluent Bit has been running:  {days} day{S(days)}, {hours} hour{S(hours)}, {minutes} minute{S(minutes)} and {seconds} second{S(seconds)}";
    }

    public static string Metrics(MetricsReport report) => Json(w =>
    {
        foreach (var section in new[] { "input", "filter", "output" })
        {
            w.WriteStartObject(section);
            foreach (var instance in report.Values.Where(v => v.Section == section).GroupBy(v => v.Instance))
            {
                w.WriteStartObject(instance.Key);
                foreach (var value in instance) w.WriteNumber(value.Metric, value.Value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
    });

    /// <summary>
    /// /api/v1/storage. What CoreAgent counts: chunk files up (storage.type filesystem) and each
    /// input's buffered bytes against its limit. Chunks are never paged down, so fs_chunks_down is 0;
    /// memory chunks and per-input chunk counts are not tracked and read 0 (docs/monitoring.md).
    /// </summary>
    public static string Storage(AgentPipeline pipeline) => Json(w =>
    {
        long up = pipeline.Storage?.ChunksUp ?? 0;
        w.WriteStartObject("storage_layer");
        w.WriteStartObject("chunks");
        w.WriteNumber("total_chunks", up);
        w.WriteNumber("mem_chunks", 0);
        w.WriteNumber("fs_chunks", up);
        w.WriteNumber("fs_chunks_up", up);
        w.WriteNumber("fs_chunks_down", 0);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("input_chunks");
        foreach (var input in pipeline.Inputs)
        {
            long size = input.BufferedBytes;
            long? limit = input.MemoryLimit;
            w.WriteStartObject(input.Name);
            w.WriteStartObject("status");
            w.WriteBoolean("overlimit", limit is { } l && size >= l);
            w.WriteString("mem_size", HumanSize(size));
            w.WriteString("mem_limit", HumanSize(limit ?? 0));
            w.WriteEndObject();
            w.WriteStartObject("chunks");
            w.WriteNumber("total", 0);
            w.WriteNumber("up", 0);
            w.WriteNumber("down", 0);
            w.WriteNumber("busy", 0);
            w.WriteString("busy_size", HumanSize(0));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    });

    /// <summary>Sizes as Fluent Bit writes them: "0b", "512b", "47.7M" (units of 1024).</summary>
    public static string HumanSize(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + "b";
        string[] units = ["K", "M", "G", "T", "P"];
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + units[unit];
    }

    private static readonly Dictionary<string, string> V1Help = new()
    {
        ["input_bytes"] = "Number of input bytes.",
        ["input_records"] = "Number of input records.",
        ["output_errors"] = "Number of output errors.",
        ["output_retries_failed"] = "Number of output retries failed.",
        ["output_retries"] = "Number of output retries.",
        ["output_proc_records"] = "Number of processed output records.",
        ["output_proc_bytes"] = "Number of processed output bytes.",
        ["filter_add_records"] = "Number of records added by Fluent Bit filter plugin.",
        ["filter_drop_records"] = "Number of records dropped by Fluent Bit filter plugin.",
    };

    /// <summary>/api/v1/metrics/prometheus: fluentbit_&lt;section&gt;_&lt;metric&gt;_total{name="..."} value timestamp_ms, sorted and grouped.</summary>
    public static string PrometheusV1(MetricsReport report, DateTimeOffset now)
    {
        long ms = now.ToUnixTimeMilliseconds();
        var lines = report.Values
            .Select(v => (Name: $"fluentbit_{v.Section}_{v.Metric}_total", Line: $"fluentbit_{v.Section}_{v.Metric}_total{{name=\"{Label(v.Instance)}\"}} {v.Value} {ms}\n"))
            .OrderBy(l => l.Line, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        string? current = null;
        foreach (var (name, line) in lines)
        {
            if (name != current)
            {
                current = name;
                string key = V1Help.Keys.FirstOrDefault(k => name.Contains(k, StringComparison.Ordinal) && !(k == "output_retries" && name.Contains("retries_failed", StringComparison.Ordinal))) ?? "";
                text.Append("# HELP ").Append(name).Append(' ').Append(V1Help.GetValueOrDefault(key, "Fluentbit metrics.")).Append('\n');
                text.Append("# TYPE ").Append(name).Append(" counter\n");
            }
            text.Append(line);
        }
        long start = report.StartTime?.ToUnixTimeSeconds() ?? 0;
        text.Append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n");
        text.Append("# TYPE process_start_time_seconds gauge\n");
        text.Append("process_start_time_seconds ").Append(start).Append('\n');
        text.Append("# HELP fluentbit_build_info Build version information.\n");
        text.Append("# TYPE fluentbit_build_info gauge\n");
        text.Append("fluentbit_build_info{version=\"").Append(Version).Append("\",edition=\"CoreAgent\"} 1\n");
        return text.ToString();
    }

    // The help texts of Fluent Bit's cmetrics (flb_input.c, flb_output.c, flb_filter.c, flb_metrics.c).
    private static readonly Dictionary<string, string> V2Help = new()
    {
        ["fluentbit_input_records_total"] = "Number of input records.",
        ["fluentbit_input_bytes_total"] = "Number of input bytes.",
        ["fluentbit_filter_records_total"] = "Total number of new records processed.",
        ["fluentbit_filter_bytes_total"] = "Total number of new bytes processed.",
        ["fluentbit_filter_add_records_total"] = "Number of added records.",
        ["fluentbit_filter_drop_records_total"] = "Number of filtered records.",
        ["fluentbit_output_proc_records_total"] = "Number of processed output records.",
        ["fluentbit_output_proc_bytes_total"] = "Number of processed output bytes.",
        ["fluentbit_output_errors_total"] = "Number of output errors.",
        ["fluentbit_output_retries_total"] = "Number of output retries.",
        ["fluentbit_output_retries_failed_total"] = "Number of abandoned batches because the maximum number of re-tries was reached.",
        ["fluentbit_output_dropped_records_total"] = "Number of dropped records.",
        ["fluentbit_output_retried_records_total"] = "Number of retried records.",
    };

    /// <summary>
    /// /api/v2/metrics/prometheus, as Fluent Bit merges each instance's cmetrics context into one
    /// (cmt_cat) and prints it: fluentbit_uptime, each family of the instances' counters with the
    /// families a plugin registered in its own context after its instance's (under the plugin's own
    /// names and labels), then the gauges, untyped metrics, summaries and histograms. Families of the
    /// same name merge into the first; a series of the same labels keeps the last value.
    /// </summary>
    public static string PrometheusV2(MetricsReport report, string hostname)
    {
        string host = Label(hostname);
        long start = report.StartTime?.ToUnixTimeSeconds() ?? 0;
        var families = new V2Families();
        families.Add("fluentbit_uptime", "counter", "Number of seconds that Fluent Bit has been running.", $"{{hostname=\"{host}\"}}", (long)report.Uptime.TotalSeconds);
        families.Add("fluentbit_process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", $"{{hostname=\"{host}\"}}", start);
        string os = OperatingSystem.IsWindows() ? "win64" : OperatingSystem.IsMacOS() ? "macos" : "linux";
        families.Add("fluentbit_build_info", "gauge", "Build version information.", $"{{hostname=\"{host}\",version=\"{Version}\",os=\"{os}\"}}", start);
        foreach (var section in new[] { "input", "filter", "output" })
        {
            foreach (var instance in report.Values.Where(v => v.Section == section).GroupBy(v => v.Instance))
            {
                foreach (var value in instance)
                {
                    string name = $"fluentbit_{section}_{value.Metric}_total";
                    families.Add(name, "counter", V2Help.GetValueOrDefault(name, "Fluentbit metrics."), $"{{name=\"{Label(value.Instance)}\"}}", value.Value);
                }
                foreach (var own in report.PluginValues.Where(p => p.Section == section && p.Instance == instance.Key))
                {
                    var metric = own.Metric;
                    families.Add(metric.Family, metric.Type, metric.Help, Labels(metric.Labels), metric.Value, metric.Name);
                }
            }
        }
        return families.Print();
    }

    /// <summary>The families of the v2 text in the order cmetrics keeps them, merged by name.</summary>
    private sealed class V2Families
    {
        private static readonly string[] TypeOrder = ["counter", "gauge", "untyped", "summary", "histogram"];
        private readonly List<(string Name, string Type, string Help, Dictionary<string, (string Line, string Value)> Series)> _families = [];

        public void Add(string family, string type, string help, string labels, double value, string? sample = null)
        {
            var found = _families.FindIndex(f => f.Name == family);
            if (found < 0)
            {
                _families.Add((family, TypeOrder.Contains(type) ? type : "untyped", help, []));
                found = _families.Count - 1;
            }
            string series = (sample ?? family) + labels;
            _families[found].Series[series] = (series, Number(value));
        }

        public string Print()
        {
            var text = new StringBuilder();
            foreach (var type in TypeOrder)
            {
                foreach (var family in _families.Where(f => f.Type == type))
                {
                    Family(text, family.Name, family.Help.Length > 0 ? family.Help : "Fluentbit metrics.", type);
                    foreach (var (line, value) in family.Series.Values) text.Append(line).Append(' ').Append(value).Append('\n');
                }
            }
            return text.ToString();
        }

        private static string Number(double value) =>
            double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString(CultureInfo.InvariantCulture);
    }

    private static string Labels(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? "" : "{" + LabelList(labels) + "}";

    /// <summary>Prometheus label pairs, <c>key="value"</c> separated by commas, values escaped as the text format wants.</summary>
    public static string LabelList(IReadOnlyDictionary<string, string> labels) =>
        string.Join(",", labels.Select(l => $"{l.Key}=\"{Label(l.Value)}\""));

    private static void Family(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    // The Prometheus text format escapes \, " and newlines in label values.
    private static string Label(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
