using System.Diagnostics;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Plugins.Outputs;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests;

public class CpuInputTests
{
    // Two CPUs at 100 ticks per second. Between the snapshots: cpu0 user +75 system +25,
    // cpu1 user +25 nice +25; the machine line is their sum.
    private const string FirstStat =
        "cpu  1000 100 500 8000 50 0 0 0 0 0\n" +
        "cpu0 600 50 300 4000 25 0 0 0 0 0\n" +
        "cpu1 400 50 200 4000 25 0 0 0 0 0\n" +
        "intr 123456 0 0 0\n" +
        "ctxt 98765\n";

    private const string SecondStat =
        "cpu  1100 125 525 8050 50 0 0 0 0 0\n" +
        "cpu0 675 50 325 4025 25 0 0 0 0 0\n" +
        "cpu1 425 75 200 4025 25 0 0 0 0 0\n" +
        "intr 123999 0 0 0\n" +
        "ctxt 99999\n";

    private sealed class Harness : IDisposable
    {
        private readonly List<Chunk> _chunks = [];

        public Harness()
        {
            Root = Directory.CreateTempSubdirectory("coreagent-cpu-").FullName;
            Input = new CpuInput(Root, clockTicks: 100);
            Instance = new InputInstance("cpu.0", CpuInput.Descriptor, Input, "cpu.0", null, true, Log,
                (chunk, _) => { lock (_chunks) _chunks.Add(chunk); });
            Log.Written += entry => { lock (Entries) Entries.Add(entry); };
        }

        public string Root { get; }
        public CpuInput Input { get; }
        public InputInstance Instance { get; }
        public AgentLog Log { get; } = new();
        public List<LogEntry> Entries { get; } = [];

        public void WriteStat(string text) => File.WriteAllText(Path.Combine(Root, "stat"), text);

        public void WriteProcessStat(int pid, string text)
        {
            Directory.CreateDirectory(Path.Combine(Root, pid.ToString()));
            File.WriteAllText(Path.Combine(Root, pid.ToString(), "stat"), text);
        }

        public void Init(params (string Key, string Value)[] properties) =>
            Input.Init(new InputContext("cpu.0", PluginProperties.From(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value))),
                Log, Instance.Emitter));

        /// <summary>Seals the open chunk and returns every record emitted so far.</summary>
        public List<EventSlice> Records()
        {
            Instance.Emitter.FlushOpenChunk();
            lock (_chunks) return _chunks.SelectMany(c => EventReader.ReadAll(c.Memory)).ToList();
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private static List<(string Key, double Value)> Decode(ReadOnlyMemory<byte> body)
    {
        var reader = new MessagePackReader(body);
        int count = reader.ReadMapHeader();
        var pairs = new List<(string, double)>();
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString()!;
            Assert.Equal(MessagePackCode.Float64, reader.NextCode);
            pairs.Add((key, reader.ReadDouble()));
        }
        return pairs;
    }

    [Fact]
    public void System_mode_emits_machine_and_per_cpu_percentages_in_fluent_bit_order()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init();
        h.WriteStat(SecondStat);

        Assert.True(h.Input.Collect());

        var record = Assert.Single(h.Records());
        Assert.Equal(
        [
            ("cpu_p", 75.0), ("user_p", 62.5), ("system_p", 12.5),
            ("cpu0.p_cpu", 100.0), ("cpu0.p_user", 75.0), ("cpu0.p_system", 25.0),
            ("cpu1.p_cpu", 50.0), ("cpu1.p_user", 50.0), ("cpu1.p_system", 0.0),
        ], Decode(record.Body));
        Assert.Equal([0x80], record.Metadata.ToArray());
    }

    [Fact]
    public void The_stdout_output_prints_a_cpu_record_as_fluent_bit_does()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init();
        h.WriteStat(SecondStat);
        h.Input.Collect();
        h.Input.Collect(); // nothing changed since: zeros, as in the REFERENCE example

        h.Instance.Emitter.FlushOpenChunk();
        var events = h.Records().Select(r => r.Raw.ToArray()).SelectMany(b => b).ToArray();
        var text = new StdoutFormatter().FormatChunk("cpu.0", events);

        var lines = text.Split('\n');
        Assert.Matches(@"^\[0\] cpu\.0: \[\[\d{10}\.\d{9}, \{\}\], \{", lines[0]);
        Assert.EndsWith(
            "{\"cpu_p\"=>75.000000, \"user_p\"=>62.500000, \"system_p\"=>12.500000, " +
            "\"cpu0.p_cpu\"=>100.000000, \"cpu0.p_user\"=>75.000000, \"cpu0.p_system\"=>25.000000, " +
            "\"cpu1.p_cpu\"=>50.000000, \"cpu1.p_user\"=>50.000000, \"cpu1.p_system\"=>0.000000}]", lines[0]);
        Assert.EndsWith(
            "{\"cpu_p\"=>0.000000, \"user_p\"=>0.000000, \"system_p\"=>0.000000, " +
            "\"cpu0.p_cpu\"=>0.000000, \"cpu0.p_user\"=>0.000000, \"cpu0.p_system\"=>0.000000, " +
            "\"cpu1.p_cpu\"=>0.000000, \"cpu1.p_user\"=>0.000000, \"cpu1.p_system\"=>0.000000}]", lines[1]);
        Assert.StartsWith("[1] cpu.0: [[", lines[1]);
    }

    [Fact]
    public void Percentages_are_per_configured_interval()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init(("interval_sec", "2"), ("interval_nsec", "500000000"));
        h.WriteStat(SecondStat);

        h.Input.Collect();

        Assert.Equal(
        [
            ("cpu_p", 30.0), ("user_p", 25.0), ("system_p", 5.0),
            ("cpu0.p_cpu", 40.0), ("cpu0.p_user", 30.0), ("cpu0.p_system", 10.0),
            ("cpu1.p_cpu", 20.0), ("cpu1.p_user", 20.0), ("cpu1.p_system", 0.0),
        ], Decode(Assert.Single(h.Records()).Body));
    }

    [Fact]
    public void Percentages_use_the_exact_double_arithmetic_of_in_cpu()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init();
        // cpu0 busy +33 jiffies: in_cpu computes ((33 * 100) / 100) / 1 and the machine ((33 / 100) * 100 / 2) / 1.
        h.WriteStat(FirstStat.Replace("cpu0 600", "cpu0 633").Replace("cpu  1000", "cpu  1033"));

        h.Input.Collect();

        var values = Decode(Assert.Single(h.Records()).Body).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(33.0 / 100 * 100 / 2 / 1.0, values["cpu_p"]);
        Assert.Equal(33.0 * 100 / 100 / 1.0, values["cpu0.p_cpu"]);
        Assert.Equal(16.5, values["cpu_p"], 12);
    }

    [Fact]
    public void Pid_mode_reads_utime_and_stime_of_the_process_and_averages_over_the_cpus()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        // The command name holds spaces and parentheses; utime and stime are fields 14 and 15.
        h.WriteProcessStat(4242, "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 300 100 0 0 20 0 1 0 1000 0 0\n");
        h.Init(("pid", "4242"));
        h.WriteProcessStat(4242, "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 180 0 0 0 400 150 0 0 20 0 1 0 1000 0 0\n");

        Assert.True(h.Input.Collect());

        Assert.Equal([("cpu_p", 75.0), ("user_p", 50.0), ("system_p", 25.0)], Decode(Assert.Single(h.Records()).Body));
    }

    [Fact]
    public void The_first_sample_only_primes_the_deltas()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init();

        Assert.Empty(h.Records());
        h.Input.Collect();
        Assert.Single(h.Records());
    }

    [Fact]
    public void The_public_constructor_reads_the_real_proc_filesystem()
    {
        if (!File.Exists("/proc/stat")) return; // Linux only
        var input = new CpuInput();
        var records = new List<Chunk>();
        var instance = new InputInstance("cpu.0", CpuInput.Descriptor, input, "cpu.0", null, true, AgentLog.Null,
            (chunk, _) => records.Add(chunk));
        input.Init(new InputContext("cpu.0", new PluginProperties(), AgentLog.Null, instance.Emitter));
        int cpus = File.ReadLines("/proc/stat").Count(l => l.Length > 3 && l.StartsWith("cpu") && char.IsAsciiDigit(l[3]));

        Assert.True(input.Collect());
        instance.Emitter.FlushOpenChunk();

        var values = Decode(EventReader.ReadAll(Assert.Single(records).Memory).Single().Body);
        Assert.Equal(3 + 3 * cpus, values.Count);
        Assert.All(values, v => Assert.InRange(v.Value, 0.0, 100.0 * cpus));
    }

    [Fact]
    public void Init_fails_when_the_stat_file_cannot_be_read()
    {
        using var h = new Harness();

        var error = Assert.Throws<PluginException>(() => h.Init());
        Assert.Contains("stat", error.Message);
    }

    [Fact]
    public void Negative_intervals_are_rejected()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);

        Assert.Throws<PropertyException>(() => h.Init(("interval_sec", "-1")));
    }

    [Fact]
    public void A_failed_sample_is_logged_and_the_next_one_is_measured_from_the_last_good_sample()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init();
        h.WriteStat("garbage\n");

        Assert.False(h.Input.Collect());
        Assert.Empty(h.Records());
        Assert.Single(h.Entries, e => e.Level == LogLevel.Error);

        h.WriteStat(SecondStat);
        Assert.True(h.Input.Collect());
        Assert.Equal(75.0, Decode(Assert.Single(h.Records()).Body)[0].Value);
    }

    [Fact]
    public void Run_emits_one_record_per_interval_until_cancelled()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init(("interval_sec", "0"), ("interval_nsec", "20000000"));
        using var cancellation = new CancellationTokenSource();
        var run = new Thread(() => h.Input.Run(cancellation.Token));
        run.Start();

        Eventually.True(() => h.Records().Count >= 3, "three cpu records");
        cancellation.Cancel();

        Assert.True(run.Join(TimeSpan.FromSeconds(10)), "Run did not return after cancellation");
        Assert.All(h.Records(), r => Assert.Equal(9, Decode(r.Body).Count));
    }

    [Fact]
    public void Run_returns_at_once_when_cancelled_during_a_long_interval()
    {
        using var h = new Harness();
        h.WriteStat(FirstStat);
        h.Init(("interval_sec", "3600"));
        using var cancellation = new CancellationTokenSource();
        var run = new Thread(() => h.Input.Run(cancellation.Token));
        run.Start();
        Thread.Sleep(100);

        var clock = Stopwatch.StartNew();
        cancellation.Cancel();

        Assert.True(run.Join(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Run took {clock.Elapsed} to stop");
        Assert.Empty(h.Records());
    }
}
