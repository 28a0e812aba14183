using System.Buffers;
using System.Text;
using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.Nest;

/// <summary>
/// Fluent Bit's nest filter. Operation nest moves the top-level pairs whose key matches a Wildcard
/// (exact, or a prefix when it ends with *; case-sensitive) into a map appended under Nest_under,
/// after the pairs left in place. Operation lift replaces every Nested_under pair whose value is a
/// map by that map's pairs, appended after the other pairs (a value that is not a map stays).
/// Add_prefix/Remove_prefix rewrite the moved keys. As in filter_nest.c, a record with nothing to
/// move passes unchanged, and a key that is not a string is never moved or renamed.
/// </summary>
public sealed class NestFilter : MapFilter
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "nest",
        Description = "nest events by specified field values",
        Type = PluginType.Filter,
        CreateFilter = () => new NestFilter(),
        Properties =
        [
            new("operation", PropertyType.String, null, "nest or lift."),
            new("wildcard", PropertyType.String, null, "nest: move the keys matching this name (a trailing * matches a prefix). May be repeated.") { Multiple = true },
            new("nest_under", PropertyType.String, null, "nest: the key of the new map."),
            new("nested_under", PropertyType.String, null, "lift: the key whose map is lifted to the top level."),
            new("add_prefix", PropertyType.String, null, "Prefix the moved keys with this string."),
            new("prefix_with", PropertyType.String, null, "Alias of add_prefix (older Fluent Bit configurations)."),
            new("remove_prefix", PropertyType.String, null, "Remove this prefix from the moved keys that have it."),
        ],
    };

    private bool _lift;
    private KeyPattern[] _wildcards = [];
    private byte[] _keyName = [];
    private byte[] _keyEncoded = [];
    private byte[]? _addPrefix;
    private byte[]? _removePrefix;
    private readonly RecordMap _inner = new();
    private readonly ArrayBufferWriter<byte> _nested = new();
    private readonly List<MapEntry> _moved = [];

    public override void Init(FilterContext context)
    {
        var p = context.Properties;
        string operation = p.Get("operation") ?? throw new PropertyException("operation", "Operation can only be NEST or LIFT: set Operation nest or lift");
        // filter_nest.c compares the first four characters, case-sensitively.
        if (operation.StartsWith("nest", StringComparison.Ordinal)) _lift = false;
        else if (operation.StartsWith("lift", StringComparison.Ordinal)) _lift = true;
        else throw new PropertyException("operation", $"Key \"operation\" has invalid value '{operation}'. Expected 'nest' or 'lift'");

        _wildcards = [.. p.GetAll("wildcard").Select(w => w.Value.Length > 0 ? new KeyPattern(w.Value) : throw new PropertyException("wildcard", "the wildcard is empty"))];
        string keyProperty = _lift ? "nested_under" : "nest_under";
        // Fluent Bit stores both keys in one field; the one the operation reads must be there.
        string key = p.Get(keyProperty) ?? p.Get(_lift ? "nest_under" : "nested_under")
            ?? throw new PropertyException(keyProperty, $"Operation {(_lift ? "lift" : "nest")} needs {keyProperty}");
        if (key.Length == 0) throw new PropertyException(keyProperty, "the key name is empty");
        _keyName = Encoding.UTF8.GetBytes(key);
        _keyEncoded = MsgPackStrings.Encode(key);

        string? add = p.Get("add_prefix") ?? p.Get("prefix_with");
        string? remove = p.Get("remove_prefix");
        if (add is not null && remove is not null) throw new PropertyException("add_prefix", "Add_prefix and Remove_prefix are exclusive");
        if (add is { Length: 0 } || remove is { Length: 0 })
            throw new PropertyException(add is not null ? "add_prefix" : "remove_prefix", "A prefix has to be specified for prefix add or remove operations");
        _addPrefix = add is null ? null : Encoding.UTF8.GetBytes(add);
        _removePrefix = remove is null ? null : Encoding.UTF8.GetBytes(remove);
        if (!_lift && _wildcards.Length == 0)
            context.Log.Warn("filter", $"{context.InstanceName}: Operation nest without Wildcard moves nothing; every record passes unchanged");
    }

    protected override bool Edit(RecordMap map) => _lift ? Lift(map) : NestKeys(map);

    private bool NestKeys(RecordMap map)
    {
        var entries = map.Entries;
        _moved.Clear();
        for (int i = 0; i < entries.Count; i++)
        {
            if (!IsText(entries[i]) || !AnyWildcard(entries[i].Name.Span)) continue;
            _moved.Add(entries[i]);
            entries.RemoveAt(i--);
        }
        if (_moved.Count == 0) return false;
        _nested.ResetWrittenCount();
        var writer = new MessagePackWriter(_nested);
        writer.WriteMapHeader(_moved.Count);
        writer.Flush();
        foreach (var entry in _moved)
        {
            _nested.Write(Renamed(entry).Key.Span);
            _nested.Write(entry.Value.Span);
        }
        var value = Arena.Take(_nested.WrittenCount);
        _nested.WrittenSpan.CopyTo(value.Span);
        entries.Add(new MapEntry(_keyEncoded, _keyName, value));
        return true;
    }

    private bool Lift(RecordMap map)
    {
        var entries = map.Entries;
        _moved.Clear();
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (!IsText(entry) || !entry.Is(_keyName) || !_inner.Load(entry.Value)) continue;
            entries.RemoveAt(i--);
            foreach (var child in _inner.Entries) _moved.Add(Renamed(child));
            // Placeholder: marks a lifted pair, so a record whose map was empty still counts as changed.
            _moved.Add(default);
        }
        if (_moved.Count == 0) return false;
        foreach (var child in _moved) if (!child.Key.IsEmpty) entries.Add(child);
        return true;
    }

    private MapEntry Renamed(MapEntry entry)
    {
        if (!IsText(entry)) return entry;
        var name = entry.Name.Span;
        if (_addPrefix is not null)
        {
            Span<byte> joined = _addPrefix.Length + name.Length <= 512 ? stackalloc byte[_addPrefix.Length + name.Length] : new byte[_addPrefix.Length + name.Length];
            _addPrefix.CopyTo(joined);
            name.CopyTo(joined[_addPrefix.Length..]);
            return Arena.StringKey(joined, entry.Value);
        }
        if (_removePrefix is not null && name.StartsWith(_removePrefix))
            return Arena.StringKey(name[_removePrefix.Length..], entry.Value);
        return entry;
    }

    private bool AnyWildcard(ReadOnlySpan<byte> name)
    {
        foreach (var wildcard in _wildcards) if (wildcard.Matches(name)) return true;
        return false;
    }

    /// <summary>True for a str or bin key: the only keys filter_nest matches or renames.</summary>
    private static bool IsText(MapEntry entry) =>
        !entry.Key.IsEmpty && entry.Key.Span[0] is (>= 0xa0 and <= 0xbf) or 0xd9 or 0xda or 0xdb or 0xc4 or 0xc5 or 0xc6;
}
