using System.Diagnostics;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Benchmarks;

/// <summary>Runs a started pipeline through a warm-up and a measured interval, then stops it.</summary>
public static class Measurement
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Records/s the first output finished, and cores used, over the measured interval. With a
    /// plugin host (<paramref name="hostProcess"/> gives its pid), its CPU counts in the cores and
    /// its peak memory (VmHWM, read before the stop) is returned to be added to this process's.
    /// </summary>
    public static (double RecordsPerSecond, double Cores, double HostPeakMiB) Run(AgentPipeline pipeline, int seconds, Func<int?>? hostProcess = null)
    {
        pipeline.Start();
        Thread.Sleep(Warmup); // a benchmark, not a test: the warm-up is a measured interval by design
        var metrics = pipeline.Outputs[0].Metrics;
        var process = Process.GetCurrentProcess();
        int? host = hostProcess?.Invoke();
        long startRecords = metrics.ProcRecords;
        var startCpu = process.TotalProcessorTime + HostCpu(host);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long records = metrics.ProcRecords - startRecords;
        double elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cores = (process.TotalProcessorTime + HostCpu(host) - startCpu).TotalSeconds / elapsed;
        double hostPeak = host is { } id ? PeakRssMiB($"/proc/{id}/status") : 0;
        pipeline.Stop();
        return (records / elapsed, cores, hostPeak);
    }

    private static TimeSpan HostCpu(int? id)
    {
        if (id is null) return TimeSpan.Zero;
        try
        {
            using var host = Process.GetProcessById(id.Value);
            return host.TotalProcessorTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>This process's peak resident memory (VmHWM).</summary>
    public static double PeakRssMiB(string status = "/proc/self/status")
    {
        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        return 0;
    }
}
