namespace CoreAgent.Benchmarks;

public static class Report
{
    public static void Print(IReadOnlyList<ScenarioResult> results)
    {
        var baseline = results.First(r => r.Name.StartsWith("baseline")).RecordsPerSecond;
        Console.WriteLine($"{"scenario",-34} {"records/s",12} {"x baseline",10} {"cores",6} {"peak RSS",9} {"target",10} verdict");
        foreach (var r in results)
        {
            string verdict = r.Target <= 0 ? "" : r.RecordsPerSecond >= r.Target ? "meets target" : "BELOW target";
            Console.WriteLine($"{r.Name,-34} {r.RecordsPerSecond,12:N0} {r.RecordsPerSecond / baseline,10:0.000} {r.Cores,6:0.00} {r.PeakRssMiB,7:0} MiB {(r.Target > 0 ? r.Target.ToString("N0") : "-"),10} {verdict}");
        }
        PrintOutputs(results);
        PrintInputs(results, baseline);
        PrintAgainstFluentBit(results);
        // Filesystem buffering against memory buffering of the same run (target: at least 0.5).
        if (results.FirstOrDefault(r => r.Name == "dummy-null") is { } memory)
        {
            foreach (var fs in results.Where(r => r.Name.StartsWith("dummy-null-filesystem")))
            {
                double ratio = fs.RecordsPerSecond / memory.RecordsPerSecond;
                Console.WriteLine($"{fs.Name} / dummy-null = {ratio:0.00}{(fs.Name == "dummy-null-filesystem" ? ratio >= 0.5 ? " (meets the 0.5 target)" : " (BELOW the 0.5 target)" : "")}");
            }
        }
        // File readers against the raw read of the same file, measured in the same run.
        var fileBaseline = results.FirstOrDefault(r => r.Name == "baseline-file-read");
        if (fileBaseline is null) return;
        Console.WriteLine();
        Console.WriteLine($"{"file scenario",-28} {"lines/s",12} {"MB/s",8} {"x file read",11}");
        foreach (var r in results.Where(r => r.MegabytesPerSecond is not null))
            Console.WriteLine($"{r.Name,-28} {r.RecordsPerSecond,12:N0} {r.MegabytesPerSecond,8:0.0} {r.RecordsPerSecond / fileBaseline.RecordsPerSecond,11:0.000}");
    }

    /// <summary>Each engine scenario against the Fluent Bit baseline of the same run (target: at least 1, and 2 for the tail ones).</summary>
    private static void PrintAgainstFluentBit(IReadOnlyList<ScenarioResult> results)
    {
        var pairs = results.Where(r => r.Name.StartsWith(FluentBitScenarios.Prefix))
            .Select(fluentBit => (FluentBit: fluentBit, Engine: results.FirstOrDefault(r => r.Name == fluentBit.Name[FluentBitScenarios.Prefix.Length..])))
            .Where(pair => pair.Engine is not null).ToList();
        if (pairs.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine($"{"CoreAgent vs Fluent Bit",-34} {"CoreAgent/s",12} {"Fluent Bit/s",12} {"ratio",6} {"per CPU-s",9}");
        foreach (var (fluentBit, engine) in pairs)
        {
            double perCpu = engine!.RecordsPerSecond / Math.Max(engine.Cores, 0.01) / (fluentBit.RecordsPerSecond / Math.Max(fluentBit.Cores, 0.01));
            Console.WriteLine($"{engine.Name,-34} {engine.RecordsPerSecond,12:N0} {fluentBit.RecordsPerSecond,12:N0} {engine.RecordsPerSecond / fluentBit.RecordsPerSecond,6:0.00} {perCpu,9:0.00}");
        }
    }

    /// <summary>The network inputs fed by a local sender: records/s, the protocol bytes of those records, and the ratio to the run's baseline.</summary>
    private static void PrintInputs(IReadOnlyList<ScenarioResult> results, double baseline)
    {
        var inputs = results.Where(r => r.Name.EndsWith("-in")).ToList();
        if (inputs.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine($"{"input scenario",-28} {"records/s",12} {"MB/s",8} {"x baseline",10} {"records per CPU-s",18}");
        foreach (var r in inputs)
            Console.WriteLine($"{r.Name,-28} {r.RecordsPerSecond,12:N0} {r.MegabytesPerSecond,8:0.0} {r.RecordsPerSecond / baseline,10:0.000} {r.RecordsPerSecond / Math.Max(r.Cores, 0.01),18:N0}");
    }

    /// <summary>The network outputs against the engine's null output of the same run, with the bytes on the wire.</summary>
    private static void PrintOutputs(IReadOnlyList<ScenarioResult> results)
    {
        var nullOutput = results.FirstOrDefault(r => r.Name == "dummy-null");
        var outputs = results.Where(r => r.Name.EndsWith("-sink")).ToList();
        if (nullOutput is null || outputs.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine($"{"output scenario",-34} {"records/s",12} {"wire MB/s",9} {"x dummy-null",12}");
        foreach (var r in outputs)
            Console.WriteLine($"{r.Name,-34} {r.RecordsPerSecond,12:N0} {r.MegabytesPerSecond,9:0.0} {r.RecordsPerSecond / nullOutput.RecordsPerSecond,12:0.000}");
    }
}
