using System.Collections;

namespace CoreAgent.Engine.Plugins.Properties;

public sealed record PluginProperty(string Key, string Value, SourceLocation? Location);

/// <summary>
/// The settings of one plugin instance or of the service. Keys are case-insensitive, as in Fluent Bit,
/// and every value remembers where it came from so errors can point at it.
/// </summary>
public sealed class PluginProperties : IEnumerable<PluginProperty>
{
    private readonly List<PluginProperty> _ordered = [];
    private readonly Dictionary<string, PluginProperty> _byKey = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _ordered.Count;

    public IEnumerable<string> Keys => _ordered.Select(p => p.Key);

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public string? Get(string key) => _byKey.TryGetValue(key, out var p) ? p.Value : null;

    public PluginProperty? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>Sets a value, replacing any earlier one with the same key.</summary>
    public void Set(string key, string value, SourceLocation? location = null)
    {
        var property = new PluginProperty(key, value, location);
        if (_byKey.ContainsKey(key)) _ordered.RemoveAll(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
        _ordered.Add(property);
        _byKey[key] = property;
    }

    /// <summary>Rewrites every value of a key in place, keeping its position and source location.</summary>
    public void MapValues(string key, Func<string, string> map)
    {
        for (int i = 0; i < _ordered.Count; i++)
        {
            var property = _ordered[i];
            if (!property.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
            _ordered[i] = property with { Value = map(property.Value) };
            _byKey[key] = _ordered[i];
        }
    }

    /// <summary>
    /// Adds a value after any earlier ones with the same key, for keys a plugin takes several times;
    /// <see cref="Get"/> then returns the last one and <see cref="GetAll"/> every one, in order.
    /// </summary>
    public void Add(string key, string value, SourceLocation? location = null)
    {
        var property = new PluginProperty(key, value, location);
        _ordered.Add(property);
        _byKey[key] = property;
    }

    /// <summary>Every value of a key, in the order given (empty when the key is not set).</summary>
    public IReadOnlyList<PluginProperty> GetAll(string key) =>
        _byKey.ContainsKey(key) ? _ordered.Where(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).ToList() : [];

    /// <summary>How many times a key is given.</summary>
    public int CountOf(string key) => _byKey.ContainsKey(key) ? _ordered.Count(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) : 0;

    public bool Remove(string key)
    {
        if (!_byKey.Remove(key)) return false;
        _ordered.RemoveAll(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
        return true;
    }

    public PluginProperties Clone()
    {
        var copy = new PluginProperties();
        foreach (var p in _ordered) copy.Add(p.Key, p.Value, p.Location);
        return copy;
    }

    public static PluginProperties From(IEnumerable<KeyValuePair<string, string>> pairs, SourceLocation? location = null)
    {
        var properties = new PluginProperties();
        foreach (var (key, value) in pairs) properties.Set(key, value, location);
        return properties;
    }

    public IEnumerator<PluginProperty> GetEnumerator() => _ordered.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
