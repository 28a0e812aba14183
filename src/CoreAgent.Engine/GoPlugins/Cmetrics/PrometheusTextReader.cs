using System.Globalization;

namespace CoreAgent.Engine.GoPlugins.Cmetrics;

/// <summary>One sample a plugin reported through its own metrics: name, labels, value and kind.</summary>
public sealed record PluginMetric(string Name, IReadOnlyDictionary<string, string> Labels, double Value, string Type, string Help)
{
    /// <summary>The family the sample belongs to: its name, without _bucket/_sum/_count for histograms and summaries.</summary>
    public string Family { get; init; } = Name;
}

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4) that cmetrics' encoder writes:
/// <c># HELP</c> / <c># TYPE</c> lines and samples <c>name{label="v",...} value [timestamp]</c>.
/// Lines it cannot read are skipped: a plugin's metrics are informational and must never fail a pipeline.
/// </summary>
public static class PrometheusTextReader
{
    public static IReadOnlyList<PluginMetric> Read(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<(string Name, Dictionary<string, string> Labels, double Value)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) AddComment(line[7..], types);
            else if (line.StartsWith("# HELP ", StringComparison.Ordinal)) AddComment(line[7..], helps);
            else if (line[0] != '#' && TryReadSample(line, out var sample)) samples.Add(sample);
        }
        return samples.Select(s =>
        {
            string family = BaseName(s.Name, types);
            return new PluginMetric(s.Name, s.Labels, s.Value, types.GetValueOrDefault(family, "untyped"), helps.GetValueOrDefault(family, "")) { Family = family };
        }).ToList();
    }

    private static void AddComment(string rest, Dictionary<string, string> into)
    {
        int space = rest.IndexOf(' ');
        if (space > 0) into[rest[..space]] = rest[(space + 1)..];
    }

    // Histogram and summary samples carry a suffix their TYPE line does not.
    private static string BaseName(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name)) return name;
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(name[..^suffix.Length])) return name[..^suffix.Length];
        return name;
    }

    private static bool TryReadSample(string line, out (string, Dictionary<string, string>, double) sample)
    {
        sample = default;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        string name = line[..i];
        if (name.Length == 0) return false;
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (i < line.Length && line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"') return false;
                string key = line[i..eq].Trim(' ', ',');
                var value = new System.Text.StringBuilder();
                int j = eq + 2;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\' && j + 1 < line.Length)
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else value.Append(line[j]);
                }
                if (j >= line.Length) return false;
                labels[key] = value.ToString();
                i = j + 1;
                while (i < line.Length && line[i] == ',') i++;
            }
            i++;
        }
        var rest = line[Math.Min(i, line.Length)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length == 0) return false;
        double parsed = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => double.NaN,
        };
        if (double.IsNaN(parsed) && rest[0] != "NaN") return false;
        sample = (name, labels, parsed);
        return true;
    }
}
