using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// A Go plugin that reads a key the engine keeps for itself (Match, Tag, Alias, ...) gets "" as in
/// Fluent Bit. Many plugins read such keys whether or not anyone set them, so the warning is given
/// only when the user set that key, once per instance; Test-AgentConfig -ProbePlugins lists them all.
/// </summary>
internal sealed class ReservedKeyNotice
{
    private readonly HashSet<string> _warned = new(StringComparer.OrdinalIgnoreCase);

    public void Asked(string key, bool userSetIt, AgentLog log, string? instance, string library)
    {
        if (!userSetIt) return;
        lock (_warned)
        {
            if (!_warned.Add(key)) return;
        }
        log.Warn("go", $"{instance}: plugin '{library}' reads '{key}', which you set; the engine keeps that key for itself, so the plugin reads \"\" as in Fluent Bit");
    }
}
