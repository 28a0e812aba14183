using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CoreAgent.Benchmarks;

/// <summary>
/// A Fluent Bit binary the user points the benchmark at (--fluent-bit), run as a child process on a
/// generated classic configuration with its monitoring API on a free loopback port. Counters are
/// read from /api/v1/metrics (the first output's proc_records), CPU time and peak RSS from /proc,
/// so its figures are measured the way the engine's are, in the same run.
/// </summary>
internal sealed class FluentBitProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly string _directory;
    private readonly int _port;
    private readonly StringBuilder _log = new();

    /// <param name="sections">The [INPUT]/[OUTPUT] sections (and anything else) after [SERVICE].</param>
    public FluentBitProcess(string binary, string sections, string? parsers = null)
    {
        if (!File.Exists(binary)) throw new FileNotFoundException($"--fluent-bit: no file at {binary}");
        _directory = Directory.CreateTempSubdirectory("coreagent-bench-fluent-bit-").FullName;
        _port = FreePorts.Next();
        var service = new StringBuilder()
            .AppendLine("[SERVICE]")
            .AppendLine("    Flush        0.2")
            .AppendLine("    Grace        1")
            .AppendLine("    Log_Level    warn")
            .AppendLine("    HTTP_Server  On")
            .AppendLine("    HTTP_Listen  127.0.0.1")
            .AppendLine($"    HTTP_Port    {_port}");
        if (parsers is not null)
        {
            File.WriteAllText(Path.Combine(_directory, "parsers.conf"), parsers);
            service.AppendLine($"    Parsers_File {Path.Combine(_directory, "parsers.conf")}");
        }
        string config = Path.Combine(_directory, "fluent-bit.conf");
        File.WriteAllText(config, service + sections);
        var start = new ProcessStartInfo(binary, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitForApi();
    }

    /// <summary>proc_records of the first output in /api/v1/metrics, retried for a few seconds: Fluent Bit answers 404 while it renews the figures.</summary>
    public long OutputRecords()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return ReadOutputRecords();
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(5) && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    private long ReadOutputRecords()
    {
        using var metrics = JsonDocument.Parse(Http.GetStringAsync($"http://127.0.0.1:{_port}/api/v1/metrics").GetAwaiter().GetResult());
        foreach (var output in metrics.RootElement.GetProperty("output").EnumerateObject())
            return output.Value.GetProperty("proc_records").GetInt64();
        throw new InvalidOperationException("Fluent Bit reports no output in /api/v1/metrics");
    }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public double PeakRssMiB => Measurement.PeakRssMiB($"/proc/{_process.Id}/status");

    /// <summary>Records/s and cores over a measured interval after the same warm-up as the engine's scenarios.</summary>
    public (double RecordsPerSecond, double Cores, double PeakRssMiB) Measure(int seconds)
    {
        Thread.Sleep(TimeSpan.FromSeconds(2)); // a benchmark, not a test: the warm-up is a measured interval by design
        long startRecords = OutputRecords();
        var startCpu = CpuTime;
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long records = OutputRecords() - startRecords;
        double elapsed = clock.Elapsed.TotalSeconds;
        double cores = (CpuTime - startCpu).TotalSeconds / elapsed;
        if (records == 0) throw new InvalidOperationException($"Fluent Bit's output delivered nothing; its log:\n{Log}");
        return (records / elapsed, cores, PeakRssMiB);
    }

    /// <summary>Seconds since <paramref name="sinceStart"/> and cores until the first output has <paramref name="records"/> records (tail read from the head).</summary>
    public (double Seconds, double Cores) RunUntil(long records, TimeSpan timeout, Stopwatch sinceStart)
    {
        while (OutputRecords() < records)
        {
            if (sinceStart.Elapsed > timeout) throw new TimeoutException($"Fluent Bit did not deliver {records} records within {timeout}; its log:\n{Log}");
            if (_process.HasExited) throw new InvalidOperationException($"Fluent Bit exited with {_process.ExitCode}; its log:\n{Log}");
            Thread.Sleep(20);
        }
        double seconds = sinceStart.Elapsed.TotalSeconds;
        return (seconds, CpuTime.TotalSeconds / seconds); // all of the process's CPU time is this run
    }

    private string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_log) if (_log.Length < 64 * 1024) _log.AppendLine(line);
    }

    // Fluent Bit's API answers once the engine runs; a bad configuration makes it exit first.
    private void WaitForApi()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"Fluent Bit exited with {_process.ExitCode} at start; its log:\n{Log}");
            try
            {
                ReadOutputRecords();
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException) { }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"Fluent Bit's monitoring API did not answer on port {_port} within 60 s; its log:\n{Log}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
