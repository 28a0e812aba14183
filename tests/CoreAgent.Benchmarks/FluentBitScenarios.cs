using System.Diagnostics;

namespace CoreAgent.Benchmarks;

/// <summary>
/// The engine's pipelines run by a real Fluent Bit (--fluent-bit PATH) in the same run, against
/// the same local receivers and the same generated log, so that "at least Fluent Bit's figures"
/// is a ratio measured on this machine at this moment. Each is named after the engine scenario it
/// is the baseline of, with a fluent-bit- prefix. Fluent Bit's dummy is asked for 4 M records/s
/// (Rate 2000, Copies 2000), far above what it reaches, as the engine's dummy is asked for 100 M/s.
/// </summary>
public static class FluentBitScenarios
{
    public const string Prefix = "fluent-bit-";

    public static readonly string[] Names = [Prefix + "dummy-null", Prefix + "dummy-forward-sink", Prefix + "dummy-forward-gzip-sink",
        Prefix + "dummy-http-sink", Prefix + "dummy-http-gzip-sink", Prefix + "tail-null", Prefix + "tail-json-null"];

    private const string Dummy = """
        [INPUT]
            Name          dummy
            Rate          2000
            Copies        2000
            Mem_Buf_Limit 64M

        """;

    public static ScenarioResult Run(string name, BenchOptions options)
    {
        string binary = options.FluentBit ?? throw new ArgumentException($"{name} needs --fluent-bit PATH (a Fluent Bit binary)");
        return name[Prefix.Length..] switch
        {
            "dummy-null" => Steady(name, binary, "dummy -> null", Dummy + Output("null"), options),
            "dummy-forward-sink" => Forward(name, binary, options, gzip: false),
            "dummy-forward-gzip-sink" => Forward(name, binary, options, gzip: true),
            "dummy-http-sink" => HttpOutput(name, binary, options, gzip: false),
            "dummy-http-gzip-sink" => HttpOutput(name, binary, options, gzip: true),
            "tail-null" => Tail(name, binary, options, parser: false),
            "tail-json-null" => Tail(name, binary, options, parser: true),
            _ => throw new ArgumentException($"unknown scenario {name}"),
        };
    }

    private static ScenarioResult Forward(string name, string binary, BenchOptions options, bool gzip)
    {
        using var sink = new TcpSink();
        var result = Steady(name, binary, $"dummy -> forward{(gzip ? " (Compress gzip)" : "")} -> local TCP sink",
            Dummy + Output("forward", ("Host", "127.0.0.1"), ("Port", sink.Port.ToString()), ("Workers", "2"), ("Compress", gzip ? "gzip" : null)), options);
        return result with { MegabytesPerSecond = sink.BytesPerSecond / 1e6 };
    }

    private static ScenarioResult HttpOutput(string name, string binary, BenchOptions options, bool gzip)
    {
        using var server = new HttpSink();
        var result = Steady(name, binary, $"dummy -> http (json_lines{(gzip ? ", Compress gzip" : "")}) -> local HttpListener",
            Dummy + Output("http", ("Host", "127.0.0.1"), ("Port", server.Port.ToString()), ("URI", "/bench"), ("Format", "json_lines"),
                ("Workers", "2"), ("Compress", gzip ? "gzip" : null)), options);
        return result with { MegabytesPerSecond = server.BytesPerSecond / 1e6 };
    }

    private static ScenarioResult Steady(string name, string binary, string description, string sections, BenchOptions options)
    {
        using var fluentBit = new FluentBitProcess(binary, sections);
        var (recordsPerSecond, cores, peak) = fluentBit.Measure(options.Seconds);
        return new ScenarioResult(name, "Fluent Bit: " + description, recordsPerSecond, cores, peak, 0);
    }

    // Read from the head and timed, from the process start, until the null output has every line.
    private static ScenarioResult Tail(string name, string binary, BenchOptions options, bool parser)
    {
        string path = TailScenarios.EnsureLog(options);
        TailScenarios.WarmCache(path);
        string input = $"""
            [INPUT]
                Name           tail
                Path           {path}
                Read_from_Head On
                Mem_Buf_Limit  64M
            {(parser ? "    Parser         json\n" : "")}
            """;
        const string parsers = """
            [PARSER]
                Name        json
                Format      json
                Time_Key    time
                Time_Format %Y-%m-%dT%H:%M:%S.%L%z

            """;
        var clock = Stopwatch.StartNew();
        using var fluentBit = new FluentBitProcess(binary, input + Output("null"), parser ? parsers : null);
        var (seconds, cores) = fluentBit.RunUntil(TailScenarios.Lines, TimeSpan.FromMinutes(10), clock);
        return new ScenarioResult(name, $"Fluent Bit: tail (Read_from_Head) of 2 M JSON lines{(parser ? ", Parser json (with Time_Key)" : "")} -> null",
            TailScenarios.Lines / seconds, cores, fluentBit.PeakRssMiB, 0)
        { MegabytesPerSecond = new FileInfo(path).Length / 1e6 / seconds };
    }

    private static string Output(string plugin, params (string Key, string? Value)[] properties)
    {
        var lines = new List<string> { "[OUTPUT]", $"    Name  {plugin}", "    Match *" };
        lines.AddRange(properties.Where(p => p.Value is not null).Select(p => $"    {p.Key} {p.Value}"));
        return string.Join('\n', lines) + "\n";
    }
}
