using System.Diagnostics;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Benchmarks;

/// <summary>Runs a started pipeline through a warm-up and a measured interval, then stops it.</summary>
public static class Measurement
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    /// <summary>Records/s the first output finished, and cores used, over the measured interval.</summary>
    public static (double RecordsPerSecond, double Cores) Run(AgentPipeline pipeline, int seconds)
    {
        pipeline.Start();
        Thread.Sleep(Warmup); // a benchmark, not a test: the warm-up is a measured interval by design
        var metrics = pipeline.Outputs[0].Metrics;
        var process = Process.GetCurrentProcess();
        long startRecords = metrics.ProcRecords;
        var startCpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long records = metrics.ProcRecords - startRecords;
        double elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cores = (process.TotalProcessorTime - startCpu).TotalSeconds / elapsed;
        pipeline.Stop();
        return (records / elapsed, cores);
    }

    /// <summary>This process's peak resident memory (VmHWM).</summary>
    public static double PeakRssMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        return 0;
    }
}
