using System.Collections.Concurrent;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Tests.Support;

/// <summary>
/// An output for engine tests: keeps copies of the chunks it receives and answers with whatever
/// result the test chooses, optionally slowly.
/// </summary>
public sealed class CaptureOutput : IOutputPlugin
{
    public ConcurrentQueue<(string Tag, byte[] Bytes, int Records)> Chunks { get; } = new();
    public Func<Chunk, FlushResult> Respond { get; set; } = _ => FlushResult.Ok;
    public int FlushCalls => _flushCalls;
    public int MaxConcurrentFlushes => _maxConcurrent;
    public bool Exited { get; private set; }
    public OutputContext? Context { get; private set; }
    public TimeSpan FlushDelay { get; set; }

    private int _flushCalls, _concurrent, _maxConcurrent;

    public int RecordCount => Chunks.Sum(c => c.Records);

    public void Init(OutputContext context) => Context = context;

    public FlushResult Flush(Chunk chunk)
    {
        Interlocked.Increment(ref _flushCalls);
        int now = Interlocked.Increment(ref _concurrent);
        int seen;
        while (now > (seen = _maxConcurrent) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen) { }
        try
        {
            if (FlushDelay > TimeSpan.Zero) Thread.Sleep(FlushDelay);
            var result = Respond(chunk);
            if (result == FlushResult.Ok) Chunks.Enqueue((chunk.Tag, chunk.Span.ToArray(), chunk.RecordCount));
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    public void Exit() => Exited = true;

    /// <summary>Registers a plugin named <paramref name="name"/> whose instances are the given capture objects, in order.</summary>
    public static PluginDescriptor Descriptor(string name, params CaptureOutput[] instances)
    {
        int next = 0;
        return new PluginDescriptor
        {
            Name = name,
            Description = "test capture",
            Type = PluginType.Output,
            CreateOutput = () => instances[Interlocked.Increment(ref next) - 1],
        };
    }
}
