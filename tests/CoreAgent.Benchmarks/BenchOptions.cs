namespace CoreAgent.Benchmarks;

public sealed record BenchOptions(string? Scenario, string PluginDirectory, int Seconds, string ResultPath)
{
    /// <summary>--only a,b: run just these scenarios.</summary>
    public IReadOnlyList<string>? Only { get; init; }

    /// <summary>--fluent-bit PATH (or COREAGENT_BENCH_FLUENT_BIT): a Fluent Bit binary whose figures are measured as baselines in the same run.</summary>
    public string? FluentBit { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        string? scenario = null, plugins = "out/plugins", result = "out/bench/results.json";
        int seconds = 10;
        string[]? only = null;
        string? fluentBit = Environment.GetEnvironmentVariable("COREAGENT_BENCH_FLUENT_BIT") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--scenario": scenario = args[i + 1]; break;
                case "--plugins": plugins = args[i + 1]; break;
                case "--seconds": seconds = int.Parse(args[i + 1]); break;
                case "--result": result = args[i + 1]; break;
                case "--only": only = args[i + 1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries); break;
                case "--fluent-bit": fluentBit = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]} (--scenario, --plugins, --seconds, --result, --only, --fluent-bit)");
            }
        }
        return new BenchOptions(scenario, Path.GetFullPath(plugins), seconds, Path.GetFullPath(result))
        {
            Only = only,
            FluentBit = fluentBit is null ? null : Path.GetFullPath(fluentBit),
        };
    }
}

public sealed record ScenarioResult(string Name, string Description, double RecordsPerSecond, double Cores, double PeakRssMiB, double Target)
{
    /// <summary>Input bytes per second, for scenarios that read files (tail).</summary>
    public double? MegabytesPerSecond { get; init; }
}
