using System.Diagnostics;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Inputs;

/// <summary>
/// The dummy input: emits a fixed JSON record (or several concatenated) <c>copies</c> times per
/// tick, <c>rate</c> ticks per second. The record is encoded to msgpack once at init, so a tick costs
/// a timestamp and a copy per record. Ticks missed while busy or paused are skipped, not caught
/// up in a burst, as with Fluent Bit's timer collector.
/// </summary>
public sealed class DummyInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "dummy",
        Description = "Generate dummy data",
        Type = PluginType.Input,
        CreateInput = () => new DummyInput(),
        Properties =
        [
            new("dummy", PropertyType.Json, """{"message":"dummy"}""", "The record to generate, as JSON; several concatenated objects make several records."),
            new("metadata", PropertyType.Json, "{}", "The metadata of each record, as a JSON object."),
            new("rate", PropertyType.Integer, "1", "Ticks per second.") { Min = 0, Max = 1_000_000 },
            new("interval_sec", PropertyType.Integer, "0", "Seconds between ticks; with interval_nsec, overrides rate.") { Min = 0, Max = 86_400 },
            new("interval_nsec", PropertyType.Integer, "0", "Nanoseconds between ticks; with interval_sec, overrides rate.") { Min = 0, Max = 999_999_999 },
            new("copies", PropertyType.Integer, "1", "Records generated per tick.") { Min = 0, Max = 10_000_000 },
            new("samples", PropertyType.Integer, "0", "Stop after this many ticks (0: never).") { Min = 0 },
            new("start_time_sec", PropertyType.Integer, "-1", "Timestamp seconds of the first record; later records add the time elapsed.") { Min = -1, Max = 4_294_967_295 },
            new("start_time_nsec", PropertyType.Integer, "-1", "Timestamp nanoseconds of the first record.") { Min = -1, Max = 999_999_999 },
            new("fixed_timestamp", PropertyType.Boolean, "false", "Give every record the same timestamp (the start time, or the time the input started)."),
            new("flush_on_startup", PropertyType.Boolean, "false", "Generate the first tick as soon as the input starts."),
        ],
    };

    private InputContext _context = null!;
    private List<byte[]> _bodies = [];
    private byte[] _metadata = [0x80];
    private TimeSpan _interval;
    private long _copies;
    private long _samples;
    private bool _fixedTimestamp;
    private bool _flushOnStartup;
    private EventTime? _startTime;

    public void Init(InputContext context)
    {
        _context = context;
        _bodies = [.. JsonToMsgPack.ConvertAll(context.GetString("dummy", """{"message":"dummy"}""")).Where(IsMap)];
        if (_bodies.Count == 0) throw new PropertyException("dummy", "the record must be a JSON object");
        var metadata = JsonToMsgPack.ConvertAll(context.GetString("metadata", "{}"));
        if (metadata.Count != 1 || !IsMap(metadata[0])) throw new PropertyException("metadata", "the metadata must be one JSON object");
        _metadata = metadata[0];

        long rate = context.GetInteger("rate", 1);
        long seconds = context.GetInteger("interval_sec", 0), nanoseconds = context.GetInteger("interval_nsec", 0);
        if (seconds > 0 || nanoseconds > 0) _interval = TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
        else if (rate > 1) _interval = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / rate);
        else if (rate >= 0) _interval = TimeSpan.FromSeconds(1);
        else throw new PropertyException("rate", "must not be negative");
        if (_interval <= TimeSpan.Zero) _interval = TimeSpan.FromTicks(1);

        _copies = Math.Max(1, context.GetInteger("copies", 1));
        _samples = Math.Max(0, context.GetInteger("samples", 0));
        _fixedTimestamp = context.GetBool("fixed_timestamp", false);
        _flushOnStartup = context.GetBool("flush_on_startup", false);
        long startSec = context.GetInteger("start_time_sec", -1), startNsec = context.GetInteger("start_time_nsec", -1);
        if (startSec >= 0 || startNsec >= 0)
            _startTime = new EventTime((uint)Math.Max(0, startSec), (uint)Math.Max(0, startNsec));
    }

    private static bool IsMap(byte[] msgpack) => msgpack.Length > 0 && (msgpack[0] is >= 0x80 and <= 0x8f or 0xde or 0xdf);

    public void Run(CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var fixedTime = _startTime ?? EventTime.Now();
        long ticksDone = 0, samplesDone = 0;
        long maxBacklog = Math.Max(1, (long)(TimeSpan.FromMilliseconds(100) / _interval)); // drop ticks older than ~100 ms
        if (!_flushOnStartup) ticksDone = 1; // the first tick fires one interval after start

        while (!cancellation.IsCancellationRequested)
        {
            long due = (long)(clock.Elapsed / _interval) + 1;
            if (due - ticksDone > maxBacklog) ticksDone = due - maxBacklog;
            if (ticksDone >= due)
            {
                var wait = _interval * ticksDone - clock.Elapsed;
                if (wait > TimeSpan.Zero) cancellation.WaitHandle.WaitOne(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait);
                continue;
            }
            if (_context.Emitter.IsPaused)
            {
                ticksDone = due; // a paused input skips its ticks
                cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(1));
                continue;
            }
            for (; ticksDone < due && !cancellation.IsCancellationRequested; ticksDone++)
            {
                Tick(fixedTime, clock);
                if (_samples > 0 && ++samplesDone >= _samples) return;
            }
        }
    }

    private void Tick(EventTime fixedTime, Stopwatch clock)
    {
        try { WriteTick(fixedTime, clock); }
        catch (Storage.StorageException) { /* logged by the input; the next tick is tried again */ }
    }

    private void WriteTick(EventTime fixedTime, Stopwatch clock)
    {
        using var batch = _context.Emitter.BeginBatch();
        for (long copy = 0; copy < _copies; copy++)
        {
            var time = _fixedTimestamp ? fixedTime : _startTime is { } start ? Add(start, clock.Elapsed) : EventTime.Now();
            foreach (var body in _bodies) batch.Write(time, _metadata, body);
        }
    }

    private static EventTime Add(EventTime start, TimeSpan elapsed)
    {
        long nanoseconds = start.Nanoseconds + elapsed.Ticks % TimeSpan.TicksPerSecond * 100;
        long seconds = start.Seconds + elapsed.Ticks / TimeSpan.TicksPerSecond + nanoseconds / 1_000_000_000;
        return new EventTime((uint)seconds, (uint)(nanoseconds % 1_000_000_000));
    }
}
