namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// The keys a Go plugin instance asked for through FLBPluginConfigKey, in first-asked order, so that
/// Test-AgentConfig -ProbePlugins can list what a plugin reads (it has no other way to say).
/// </summary>
internal sealed class RequestedKeys
{
    private readonly List<string> _keys = [];

    public void Add(string key)
    {
        lock (_keys)
        {
            if (!_keys.Contains(key, StringComparer.OrdinalIgnoreCase)) _keys.Add(key);
        }
    }

    public IReadOnlyCollection<string> Snapshot()
    {
        lock (_keys) return [.. _keys];
    }
}
