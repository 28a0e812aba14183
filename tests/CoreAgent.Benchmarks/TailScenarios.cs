using System.Diagnostics;
using System.Text;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Benchmarks;

/// <summary>
/// tail over a generated JSON-lines log read from the head (REFERENCE 4: Fluent Bit reads 2 M lines,
/// 300 MB, at about 270 k lines/s, and 190-210 k with the json parser). The baseline is a raw read
/// of the same file with a '\n' count, in the same run: the ratio is what the machine's disk cache
/// and CPU allow, whatever else is running.
/// </summary>
public static class TailScenarios
{
    public const int Lines = 2_000_000;

    public static string LogPath(BenchOptions options) => Path.Combine(Path.GetDirectoryName(options.ResultPath)!, "tail-bench.jsonl");

    /// <summary>Writes the log once (about 300 MB): 2 M lines like a web server's JSON log.</summary>
    public static string EnsureLog(BenchOptions options)
    {
        string path = LogPath(options);
        if (File.Exists(path) && File.ReadAllText(path + ".lines").Trim() == Lines.ToString()) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20))
        {
            var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            for (int i = 0; i < Lines; i++)
            {
                writer.Write($"{{\"time\":\"{start.AddMilliseconds(i * 7):yyyy-MM-ddTHH:mm:ss.fff}Z\",\"level\":\"{(i % 10 == 0 ? "warn" : "info")}\",\"host\":\"web-{i % 16:00}\",");
                writer.Write($"\"method\":\"GET\",\"path\":\"/api/v1/items/{i}\",\"status\":{(i % 50 == 0 ? 500 : 200)},\"bytes\":{1000 + i % 9000},\"duration_ms\":{i % 997}.{i % 10},\"msg\":\"request served\"}}\n");
            }
        }
        File.WriteAllText(path + ".lines", Lines.ToString());
        return path;
    }

    // Reads the file once through a small buffer so that every scenario starts from the page cache, without holding the file in memory.
    public static void WarmCache(string path)
    {
        var buffer = new byte[1 << 20];
        using var stream = File.OpenRead(path);
        while (stream.Read(buffer) > 0) { }
    }

    public static ScenarioResult FileReadBaseline(string name, BenchOptions options)
    {
        string path = EnsureLog(options);
        WarmCache(path); // the tail runs see a cached file too
        var buffer = new byte[1 << 20];
        var clock = Stopwatch.StartNew();
        long lines = 0, bytes = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
        {
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new ScenarioResult(name, "FileStream read of the log, 1 MB reads, counting '\\n' (baseline)", lines / seconds, 1, Measurement.PeakRssMiB(), 0)
        { MegabytesPerSecond = bytes / 1e6 / seconds };
    }

    /// <summary>tail (Read_from_Head) -> null through a real pipeline, timed until the null output has every line.</summary>
    public static ScenarioResult TailNull(string name, BenchOptions options)
    {
        string path = EnsureLog(options);
        WarmCache(path);
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("tail", ("name", "tail"), ("path", path), ("read_from_head", "on"), ("mem_buf_limit", "64M")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var (linesPerSecond, cores) = RunToEnd(AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));
        double seconds = Lines / linesPerSecond;
        return new ScenarioResult(name, "tail (Read_from_Head) of 2 M JSON lines -> null", linesPerSecond, cores, Measurement.PeakRssMiB(), 540_000)
        { MegabytesPerSecond = new FileInfo(path).Length / 1e6 / seconds };
    }

    /// <summary>tail with Parser json (Time_Key time) -> null through a real pipeline.</summary>
    public static ScenarioResult TailJsonNull(string name, BenchOptions options)
    {
        string path = EnsureLog(options);
        WarmCache(path);
        var definition = new PipelineDefinition { Name = name };
        definition.Parsers.Add(ParserDefinition.Of(("name", "json"), ("format", "json"), ("time_key", "time"), ("time_format", "%Y-%m-%dT%H:%M:%S.%L%z")));
        definition.Inputs.Add(PluginInstanceSpec.Of("tail", ("name", "tail"), ("path", path), ("read_from_head", "on"), ("parser", "json"), ("mem_buf_limit", "64M")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var (linesPerSecond, cores) = RunToEnd(AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));
        return new ScenarioResult(name, "tail (Read_from_Head) of 2 M JSON lines, Parser json (with Time_Key) -> null", linesPerSecond, cores, Measurement.PeakRssMiB(), 400_000)
        { MegabytesPerSecond = new FileInfo(path).Length / 1e6 / (Lines / linesPerSecond) };
    }

    // Starts the pipeline and times it until the null output has every line.
    private static (double LinesPerSecond, double Cores) RunToEnd(AgentPipeline pipeline)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        pipeline.Start();
        var metrics = pipeline.Outputs[0].Metrics;
        while (metrics.ProcRecords < Lines) Thread.Sleep(5);
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cores = (process.TotalProcessorTime - cpu).TotalSeconds / seconds;
        pipeline.Stop();
        return (Lines / seconds, cores);
    }
}
