namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// The routing rules a pipeline is built with, shared by the running pipeline and its rehearsal
/// (Test-AgentPipeline) so that both route a tag the same way.
/// </summary>
internal static class RouteRules
{
    /// <summary>
    /// An output's Match / Match_Regex. Without either, the one output of a pipeline with one input
    /// takes everything, as Fluent Bit connects them directly; otherwise it takes nothing.
    /// </summary>
    public static TagMatcher OutputMatcher(PluginInstanceSpec spec, int inputCount, int outputCount, out bool defaultRoute)
    {
        var matcher = new TagMatcher(spec.Properties.Get("match"), spec.Properties.Get("match_regex"));
        defaultRoute = matcher.IsEmpty && inputCount == 1 && outputCount == 1;
        return defaultRoute ? TagMatcher.All : matcher;
    }

    /// <summary>A filter's Match / Match_Regex (a filter without one is refused when the pipeline is built).</summary>
    public static TagMatcher FilterMatcher(PluginInstanceSpec spec) =>
        new(spec.Properties.Get("match"), spec.Properties.Get("match_regex"));

    /// <summary>An input's tag: its Tag property, else its instance name (dummy.0), as Fluent Bit does.</summary>
    public static string InputTag(PluginInstanceSpec spec, string instanceName) =>
        spec.Properties.Get("tag") is { Length: > 0 } tag ? tag : instanceName;
}

/// <summary>
/// What happens to a sealed chunk before it reaches outputs, shared by the running pipeline and its
/// rehearsal: the filters whose Match covers its tag run, then the targets whose Match covers the
/// (possibly filtered) tag are picked. Targets are found once per tag and cached.
/// </summary>
internal sealed class ChunkRouter<TTarget>
{
    private readonly FilterChain _filters;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TTarget[]> _routes = new(StringComparer.Ordinal);
    private readonly Func<string, TTarget[]> _select;

    public ChunkRouter(FilterChain filters, IReadOnlyList<TTarget> targets, Func<TTarget, TagMatcher> matcherOf)
    {
        _filters = filters;
        _select = tag => targets.Where(t => matcherOf(t).Matches(tag)).ToArray(); // one delegate, not one per chunk
    }

    /// <summary>
    /// Runs the filters on the chunk: returns the chunk to route (the same or a replacement), or null
    /// when they removed every record (the chunk is then released, running <paramref name="onReleased"/>).
    /// </summary>
    public Records.Chunk? Filter(Records.Chunk chunk, Action<Records.Chunk> onReleased, List<Records.Chunk>? emitted = null) =>
        _filters.IsEmpty ? chunk : _filters.Apply(chunk, onReleased, emitted);

    /// <summary>The targets of a tag, in definition order.</summary>
    public TTarget[] TargetsOf(string tag) => _routes.GetOrAdd(tag, _select);
}
