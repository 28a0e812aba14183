using System.Buffers;
using System.Diagnostics;
using System.Text;
using CoreAgent.Engine.Parsers;

namespace CoreAgent.Benchmarks;

/// <summary>The json parser alone: Parser.TryParse on a typical container log line with a Time_Key, one core.</summary>
public static class ParserScenarios
{
    public static ScenarioResult Json(string name, BenchOptions options)
    {
        var problems = new List<ParserProblem>();
        var parser = ParserFactory.Create(ParserDefinition.Of(("name", "json"), ("format", "json"), ("time_key", "time"),
            ("time_format", "%Y-%m-%dT%H:%M:%S.%L%z")), problems)!;
        var lines = Enumerable.Range(0, 1000).Select(i => Encoding.UTF8.GetBytes(
            $$"""{"remote":"10.0.{{i % 250}}.7","method":"GET","path":"/api/v1/items/{{i}}?page=2","code":200,"size":{{1000 + i}},"agent":"curl/8.5.0","latency":0.0{{i % 10}}3,"time":"2026-12-02T17:08:57.{{i:D3}}+00:00"}""")).ToArray();
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        long count = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(options.Seconds);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        while (clock.Elapsed < until)
        {
            foreach (var line in lines)
            {
                if (!parser.TryParse(line, buffer, out _)) throw new InvalidOperationException("the benchmark line did not parse");
                if (buffer.WrittenCount > 512 * 1024) buffer.ResetWrittenCount();
            }
            count += lines.Length;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var process = Process.GetCurrentProcess();
        double cores = (process.TotalProcessorTime - cpu).TotalSeconds / seconds;
        return new ScenarioResult(name, "json parser (Time_Key, %L%z) on a 190-byte log line, tight loop, 1 core", count / seconds, cores,
            Measurement.PeakRssMiB(), 400_000);
    }
}
