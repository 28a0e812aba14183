using System.Collections.Concurrent;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Tests.Support;

/// <summary>A filter for engine tests: does what the test says with each chunk and records how it was called.</summary>
public sealed class ScriptedFilter : IFilterPlugin
{
    private int _running, _maxConcurrent, _calls;

    public Func<Chunk, FilterResult> OnFilter { get; set; } = _ => FilterResult.Unchanged;
    public Action<FilterContext>? OnInit { get; set; }
    public FilterContext? Context { get; private set; }
    public int InitCalls { get; private set; }
    public int ExitCalls { get; private set; }
    public int Calls => _calls;
    public int MaxConcurrentCalls => _maxConcurrent;
    public ConcurrentQueue<(string Tag, int Records, string Thread)> Seen { get; } = new();

    /// <summary>A shared journal, to check the order in which several filters ran.</summary>
    public ConcurrentQueue<string>? Journal { get; set; }

    public void Init(FilterContext context)
    {
        Context = context;
        InitCalls++;
        OnInit?.Invoke(context);
    }

    public FilterResult Filter(Chunk chunk)
    {
        int now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = _maxConcurrent) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen) { }
        try
        {
            Interlocked.Increment(ref _calls);
            Seen.Enqueue((chunk.Tag, chunk.RecordCount, Thread.CurrentThread.Name ?? ""));
            Journal?.Enqueue(Context!.InstanceName);
            return OnFilter(chunk);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public void Exit() => ExitCalls++;

    /// <summary>Registers a filter plugin named <paramref name="name"/> whose instances are the given objects, in order.</summary>
    public static PluginDescriptor Descriptor(string name, params ScriptedFilter[] instances)
    {
        int next = 0;
        return new PluginDescriptor
        {
            Name = name,
            Description = "test filter",
            Type = PluginType.Filter,
            CreateFilter = () => instances[Interlocked.Increment(ref next) - 1],
        };
    }
}
