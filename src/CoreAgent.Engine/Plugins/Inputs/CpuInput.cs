using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs;

/// <summary>
/// The cpu input: samples /proc/stat (or /proc/&lt;pid&gt;/stat) every interval and emits the CPU
/// time used since the previous sample, as Fluent Bit's in_cpu computes it: jiffies / clock ticks
/// * 100 / configured interval, so 100 is one CPU busy for the whole interval. The machine-wide
/// <c>cpu_p</c>, <c>user_p</c> and <c>system_p</c> are also divided by the number of CPUs (0-100 of
/// the machine); the per-CPU <c>cpuN.p_*</c> are 0-100 of that CPU. user is user + nice.
/// </summary>
public sealed partial class CpuInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "cpu",
        Description = "CPU metrics",
        Type = PluginType.Input,
        CreateInput = () => new CpuInput(),
        Properties =
        [
            new("pid", PropertyType.Integer, "-1", "Measure only this process (its /proc/<pid>/stat) instead of the whole system.") { Min = -1 },
            new("interval_sec", PropertyType.Integer, "1", "Seconds between samples.") { Min = 0, Max = 86_400 },
            new("interval_nsec", PropertyType.Integer, "0", "Nanoseconds between samples, added to interval_sec.") { Min = 0, Max = 999_999_999 },
        ],
    };

    private static readonly byte[] CpuKey = MessagePackSerializer.Serialize("cpu_p");
    private static readonly byte[] UserKey = MessagePackSerializer.Serialize("user_p");
    private static readonly byte[] SystemKey = MessagePackSerializer.Serialize("system_p");

    private readonly string _procRoot;
    private readonly long _clockTicks;
    private readonly ArrayBufferWriter<byte> _body = new(1024);
    private byte[] _file = new byte[16 * 1024];
    private InputContext _context = null!;
    private string _statPath = "";
    private long _pid = -1;
    private int _cpus;
    private TimeSpan _interval;
    private double _intervalSeconds;
    private Sample _previous = null!;
    private Sample _current = null!;
    private byte[][] _cpuKeys = [];

    public CpuInput() : this("/proc", ClockTicksPerSecond()) { }

    /// <summary>Reads <paramref name="procRoot"/> instead of /proc; tests feed it fake stat files.</summary>
    internal CpuInput(string procRoot, long clockTicks)
    {
        _procRoot = procRoot;
        _clockTicks = clockTicks;
    }

    public void Init(InputContext context)
    {
        _context = context;
        _pid = context.GetInteger("pid", -1);
        long seconds = context.GetInteger("interval_sec", 1), nanoseconds = context.GetInteger("interval_nsec", 0);
        if (seconds < 0) throw new PropertyException("interval_sec", "must not be negative");
        if (nanoseconds < 0) throw new PropertyException("interval_nsec", "must not be negative");
        if (seconds == 0 && nanoseconds == 0) seconds = 1; // Fluent Bit's fallback for an empty interval
        _intervalSeconds = seconds + 1e-9 * nanoseconds;
        _interval = TimeSpan.FromTicks(Math.Max(1, seconds * TimeSpan.TicksPerSecond + nanoseconds / 100));

        _cpus = CountCpus();
        _statPath = _pid > 0 ? Path.Combine(_procRoot, _pid.ToString(), "stat") : Path.Combine(_procRoot, "stat");
        _previous = new Sample(_cpus);
        _current = new Sample(_cpus);
        _cpuKeys = new byte[_cpus * 3][];
        for (int i = 0; i < _cpus; i++)
        {
            _cpuKeys[i * 3] = MessagePackSerializer.Serialize($"cpu{i}.p_cpu");
            _cpuKeys[i * 3 + 1] = MessagePackSerializer.Serialize($"cpu{i}.p_user");
            _cpuKeys[i * 3 + 2] = MessagePackSerializer.Serialize($"cpu{i}.p_system");
        }

        // The first sample only primes the deltas; every later one emits a record.
        if (ReadSample(_previous) is { } error) throw new PluginException($"could not obtain CPU data: {error}");
    }

    public void Run(CancellationToken cancellation)
    {
        // Prime again: the first record must cover one interval, however long the start took.
        if (ReadSample(_current) is null) (_previous, _current) = (_current, _previous);
        var clock = Stopwatch.StartNew();
        long ticks = 0;
        while (true)
        {
            ticks++;
            var elapsed = clock.Elapsed;
            if (_interval * ticks < elapsed) ticks = (long)(elapsed / _interval) + 1; // skip ticks missed while busy
            if (Wait(_interval * ticks - elapsed, cancellation)) return;
            Collect();
        }
    }

    /// <summary>Takes a sample and emits the record for the interval since the previous one; false when the sample failed.</summary>
    internal bool Collect()
    {
        if (ReadSample(_current) is { } error)
        {
            _context.Log.Error(_context.InstanceName, $"error retrieving CPU stats: {error}");
            return false;
        }
        var (before, now) = (_previous, _current);
        (_previous, _current) = (now, before); // this sample is the base of the next interval
        // A paused input keeps sampling, so the record after the pause still covers one interval.
        if (_context.Emitter.IsPaused) return true;

        _body.ResetWrittenCount();
        var writer = new MessagePackWriter(_body);
        if (_pid > 0)
        {
            writer.WriteMapHeader(3);
            WritePercentages(ref writer, CpuKey, UserKey, SystemKey,
                MachinePercent(before.User[0] + before.System[0], now.User[0] + now.System[0]),
                MachinePercent(before.User[0], now.User[0]),
                MachinePercent(before.System[0], now.System[0]));
        }
        else
        {
            writer.WriteMapHeader(3 + 3 * _cpus);
            WritePercentages(ref writer, CpuKey, UserKey, SystemKey,
                MachinePercent(before.Busy(0), now.Busy(0)),
                MachinePercent(before.User[0] + before.Nice[0], now.User[0] + now.Nice[0]),
                MachinePercent(before.System[0], now.System[0]));
            for (int i = 1; i <= _cpus; i++)
            {
                WritePercentages(ref writer, _cpuKeys[i * 3 - 3], _cpuKeys[i * 3 - 2], _cpuKeys[i * 3 - 1],
                    CpuPercent(before.Busy(i), now.Busy(i)),
                    CpuPercent(before.User[i] + before.Nice[i], now.User[i] + now.Nice[i]),
                    CpuPercent(before.System[i], now.System[i]));
            }
        }
        writer.Flush();
        try { _context.Emitter.Write(EventTime.Now(), EventEncoder.EmptyMap, _body.WrittenSpan); }
        catch (Storage.StorageException) { /* logged by the input; the next sample is tried again */ }
        return true;
    }

    // The arithmetic follows in_cpu's CPU_METRIC_SYS_AVERAGE and CPU_METRIC_USAGE step by step, so the
    // doubles come out identical.
    private double MachinePercent(ulong before, ulong now) =>
        before == now ? 0.0 : (Difference(before, now) / _clockTicks * 100 / _cpus) / _intervalSeconds;

    private double CpuPercent(ulong before, ulong now) =>
        before == now ? 0.0 : (Difference(before, now) * 100 / _clockTicks) / _intervalSeconds;

    private static double Difference(ulong before, ulong now) => now > before ? now - before : before - now;

    // The keys are msgpack strings encoded once at init.
    private static void WritePercentages(ref MessagePackWriter writer, byte[] cpuKey, byte[] userKey, byte[] systemKey,
        double cpu, double user, double system)
    {
        writer.WriteRaw(cpuKey);
        writer.Write(cpu);
        writer.WriteRaw(userKey);
        writer.Write(user);
        writer.WriteRaw(systemKey);
        writer.Write(system);
    }

    /// <summary>Reads the counters into <paramref name="sample"/>; returns null, or what went wrong.</summary>
    private string? ReadSample(Sample sample)
    {
        int length;
        try
        {
            length = ReadFile(_statPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {_statPath}: {ex.Message}";
        }
        var text = _file.AsSpan(0, length);
        return _pid > 0 ? ParseProcessStat(text, sample) : ParseStat(text, sample);
    }

    // /proc/stat: "cpu  user nice system idle iowait ..." for the machine, then one "cpuN ..." line per CPU.
    private string? ParseStat(ReadOnlySpan<byte> text, Sample sample)
    {
        Span<ulong> values = stackalloc ulong[5];
        for (int i = 0; i <= _cpus; i++)
        {
            int end = text.IndexOf((byte)'\n');
            var line = end < 0 ? text : text[..end];
            text = end < 0 ? default : text[(end + 1)..];
            bool machineLine = line.Length > 3 && line[3] == ' ';
            if (!line.StartsWith("cpu"u8) || machineLine != (i == 0))
                return $"{_statPath}: line {i + 1} is not the expected cpu line";
            int label = line.IndexOf((byte)' ');
            if (ParseNumbers(line[label..], values) < 5)
                return $"{_statPath}: line {i + 1} has fewer than 5 counters";
            sample.User[i] = values[0];
            sample.Nice[i] = values[1];
            sample.System[i] = values[2];
        }
        return null;
    }

    // /proc/<pid>/stat: "pid (comm) state ppid ... utime stime ..."; comm may hold spaces and parentheses,
    // so the fields are counted from the last ')'. utime and stime are the 12th and 13th after it.
    private string? ParseProcessStat(ReadOnlySpan<byte> text, Sample sample)
    {
        int close = text.LastIndexOf((byte)')');
        if (close < 0) return $"{_statPath}: no process name";
        var fields = text[(close + 1)..];
        Span<ulong> values = stackalloc ulong[13];
        // The state is a letter: skip it, then read ppid .. stime.
        fields = fields.TrimStart(" "u8);
        int space = fields.IndexOf((byte)' ');
        if (space < 0 || ParseNumbers(fields[space..], values[1..]) < 12) return $"{_statPath}: too few fields";
        sample.User[0] = values[11];
        sample.System[0] = values[12];
        return null;
    }

    // Reads space-separated unsigned integers into values; returns how many were read.
    private static int ParseNumbers(ReadOnlySpan<byte> text, Span<ulong> values)
    {
        int count = 0;
        while (count < values.Length)
        {
            text = text.TrimStart(" \t\r"u8);
            // Signed fields (such as a tty number) read as their unsigned bit pattern; only utime and stime matter.
            bool negative = !text.IsEmpty && text[0] == '-';
            if (negative) text = text[1..];
            if (!Utf8Parser.TryParse(text, out ulong value, out int consumed)) break;
            values[count++] = negative ? unchecked(0 - value) : value;
            text = text[consumed..];
        }
        return count;
    }

    // The CPUs online are the "cpuN" lines of /proc/stat, which is also what sysconf(_SC_NPROCESSORS_ONLN) counts.
    private int CountCpus()
    {
        try
        {
            var text = _file.AsSpan(0, ReadFile(Path.Combine(_procRoot, "stat")));
            int cpus = 0;
            while (!text.IsEmpty)
            {
                int end = text.IndexOf((byte)'\n');
                var line = end < 0 ? text : text[..end];
                text = end < 0 ? default : text[(end + 1)..];
                if (line.Length > 3 && line.StartsWith("cpu"u8) && char.IsAsciiDigit((char)line[3])) cpus++;
            }
            if (cpus > 0) return cpus;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        if (_pid > 0) return Environment.ProcessorCount;
        throw new PluginException($"could not obtain CPU data: no cpu lines in {Path.Combine(_procRoot, "stat")}");
    }

    // /proc files report a size of 0, so they are read until the end into a buffer kept between samples.
    private int ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        int length = 0;
        while (true)
        {
            if (length == _file.Length) Array.Resize(ref _file, _file.Length * 2);
            int read = stream.Read(_file, length, _file.Length - length);
            if (read == 0) return length;
            length += read;
        }
    }

    private static bool Wait(TimeSpan wait, CancellationToken cancellation)
    {
        // WaitOne takes at most int.MaxValue milliseconds; a longer interval waits in steps.
        var step = TimeSpan.FromMilliseconds(int.MaxValue);
        while (wait > step)
        {
            if (cancellation.WaitHandle.WaitOne(step)) return true;
            wait -= step;
        }
        return cancellation.WaitHandle.WaitOne(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
    }

    private static long ClockTicksPerSecond()
    {
        try
        {
            long ticks = sysconf(2); // _SC_CLK_TCK
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100; // USER_HZ on every Linux platform
        }
    }

    [LibraryImport("libc.so.6")]
    private static partial long sysconf(int name);

    /// <summary>Jiffy counters: index 0 is the machine (or the process), 1..N the CPUs.</summary>
    private sealed class Sample(int cpus)
    {
        public ulong[] User { get; } = new ulong[cpus + 1];
        public ulong[] Nice { get; } = new ulong[cpus + 1];
        public ulong[] System { get; } = new ulong[cpus + 1];

        public ulong Busy(int i) => User[i] + Nice[i] + System[i];
    }
}
