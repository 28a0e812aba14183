using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.Pipeline.Rehearsal;

/// <summary>Events captured in a rehearsal: a copy of one chunk's bytes as it would have reached an output.</summary>
public sealed record CapturedChunk(string Tag, byte[] Events, int RecordCount);

/// <summary>
/// What stands in for one output instance in a rehearsal: its name and Match rules as the real
/// pipeline has them, and every chunk it would have been handed, in order. The plugin itself is
/// never created, so nothing is opened or contacted.
/// </summary>
public sealed class OutputCapture
{
    private readonly List<CapturedChunk> _chunks = [];

    internal OutputCapture(string name, PluginDescriptor plugin, PluginInstanceSpec spec, TagMatcher matcher, bool defaultRoute)
    {
        Name = name;
        Plugin = plugin;
        Match = spec.Properties.Get("match");
        MatchRegex = spec.Properties.Get("match_regex");
        Matcher = matcher;
        DefaultRoute = defaultRoute;
    }

    /// <summary>The instance name, as the running pipeline names it (alias, else plugin.N).</summary>
    public string Name { get; }
    public PluginDescriptor Plugin { get; }
    public string? Match { get; }
    public string? MatchRegex { get; }
    public TagMatcher Matcher { get; }

    /// <summary>True when the output has no Match and takes everything as the only output of a one-input pipeline.</summary>
    public bool DefaultRoute { get; }

    /// <summary>True when the plugin is a stand-in for a Go plugin that could not be loaded.</summary>
    public bool IsStandIn => StandInPlugins.IsStandIn(Plugin);

    public IReadOnlyList<CapturedChunk> Chunks => _chunks;

    public int RecordCount => _chunks.Sum(c => c.RecordCount);

    internal void Add(CapturedChunk chunk) => _chunks.Add(chunk);

    public override string ToString() => Name;
}

/// <summary>An input of a rehearsed pipeline: never started, but its tag is what records are routed by.</summary>
public sealed record RehearsalInput(string Name, PluginDescriptor Plugin, string Tag)
{
    public bool IsStandIn => StandInPlugins.IsStandIn(Plugin);
}
