using System.Diagnostics;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Benchmarks;

/// <summary>
/// The filter stage's cost, engine only: the same dummy -> null as the dummy-null scenario with a
/// grep filter between them. The Regex matches every dummy record, so the figure is the cost of
/// reading each record's field and running the expression (a chunk that keeps everything is not
/// copied). The powershell filter needs a PowerShell host; tests/bench-filter.ps1 measures it.
/// </summary>
public static class FilterScenarios
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static ScenarioResult DummyGrepNull(string name, BenchOptions options)
    {
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy"), ("rate", "100000"), ("copies", "1000"), ("mem_buf_limit", "64M")));
        definition.Filters.Add(PluginInstanceSpec.Of("grep", ("name", "grep"), ("match", "*"), ("regex", "message ^dum+y$")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        pipeline.Start();

        Thread.Sleep(Warmup); // a benchmark, not a test: the warm-up is a measured interval by design
        var metrics = pipeline.Outputs[0].Metrics;
        var process = Process.GetCurrentProcess();
        long startRecords = metrics.ProcRecords;
        var startCpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(options.Seconds));
        long records = metrics.ProcRecords - startRecords;
        double elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cores = (process.TotalProcessorTime - startCpu).TotalSeconds / elapsed;
        pipeline.Stop();
        if (pipeline.Filters[0].Metrics.DropRecords != 0) throw new InvalidOperationException("grep dropped dummy records: the scenario is wrong");
        return new ScenarioResult(name, "dummy (rate 100000, copies 1000) -> grep (Regex message ^dum+y$, keeps all) -> null",
            records / elapsed, cores, PeakRssMiB(), 0);
    }

    private static double PeakRssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        return 0;
    }
}
