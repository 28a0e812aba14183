using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Filters;

/// <summary>Initialises a filter with properties given in order (keys may repeat) and runs it on JSON bodies.</summary>
internal static class FilterHarness
{
    public static T Init<T>(T filter, params (string Key, string Value)[] properties) where T : IFilterPlugin
    {
        var props = new PluginProperties();
        props.Set("match", "*");
        foreach (var (key, value) in properties) props.Add(key, value);
        filter.Init(new FilterContext("test.0", props, new AgentLog(), Guid.Empty));
        return filter;
    }

    /// <summary>The bodies that come out, or null when the filter answered "unchanged".</summary>
    public static string[]? Answer(IFilterPlugin filter, params string[] bodies)
    {
        var result = filter.Filter(FilterEvents.ChunkOf("t", bodies));
        if (!result.IsModified) return null;
        var output = FilterEvents.Bodies(result.Events);
        Assert.Equal(result.RecordCount, output.Length);
        return output;
    }

    /// <summary>The bodies that come out, the input when nothing changed.</summary>
    public static string[] Run(IFilterPlugin filter, params string[] bodies) =>
        Answer(filter, bodies) ?? FilterEvents.Bodies(FilterEvents.Encode(bodies));
}
