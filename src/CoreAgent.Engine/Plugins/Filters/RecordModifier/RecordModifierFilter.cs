using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.RecordModifier;

/// <summary>
/// Fluent Bit's record_modifier: drops the keys Remove_key names (or every key Allowlist_key does
/// not), then appends each Record pair and, with Uuid_key, a random UUID v4. As in
/// filter_record_modifier.c, keys compare without case, a trailing * makes a prefix, Remove_key and
/// Allowlist_key cannot be combined, and Record appends even when the key is already there.
/// </summary>
public sealed class RecordModifierFilter : MapFilter
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "record_modifier",
        Description = "modify record",
        Type = PluginType.Filter,
        CreateFilter = () => new RecordModifierFilter(),
        Properties =
        [
            new("record", PropertyType.String, null, "KEY VALUE: append this pair to every record. May be repeated.") { Multiple = true },
            new("remove_key", PropertyType.String, null, "Remove this key (a trailing * removes every key with the prefix). May be repeated.") { Multiple = true },
            new("allowlist_key", PropertyType.String, null, "Keep only the keys listed (a trailing * keeps a prefix). May be repeated.") { Multiple = true },
            new("whitelist_key", PropertyType.String, null, "Alias of allowlist_key. May be repeated.") { Multiple = true },
            new("uuid_key", PropertyType.String, null, "Append a random UUID v4 under this key to every record."),
        ],
    };

    private MapEntry[] _records = [];
    private KeyPattern[] _remove = [];
    private KeyPattern[] _allow = [];
    private byte[]? _uuidKey;

    public override void Init(FilterContext context)
    {
        var p = context.Properties;
        _records = [.. p.GetAll("record").Select(r => ParseRecord(r.Value))];
        _remove = [.. p.GetAll("remove_key").Select(k => Pattern("remove_key", k.Value))];
        _allow = [.. p.GetAll("allowlist_key").Concat(p.GetAll("whitelist_key")).Select(k => Pattern(k.Key, k.Value))];
        if (_remove.Length > 0 && _allow.Length > 0)
            throw new PropertyException("remove_key", "remove_key and allowlist_key are exclusive with each other");
        if (p.Get("uuid_key") is { } uuid)
        {
            if (uuid.Trim().Length == 0) throw new PropertyException("uuid_key", "the key name is empty");
            _uuidKey = MsgPackStrings.Encode(uuid.Trim());
        }
    }

    /// <summary>"KEY VALUE": split at the first run of spaces; the value keeps its inner spaces.</summary>
    private static MapEntry ParseRecord(string value)
    {
        var text = value.Trim();
        int space = text.IndexOfAny([' ', '\t']);
        if (space <= 0 || text[space..].Trim().Length == 0)
            throw new PropertyException("record", $"'{value}' is not 'KEY VALUE': invalid record parameters, expects 'KEY VALUE'");
        return MsgPackStrings.Pair(text[..space], text[space..].Trim());
    }

    private static KeyPattern Pattern(string key, string value) =>
        value.Trim() is { Length: > 0 } text ? new KeyPattern(text, ignoreCase: true) : throw new PropertyException(key, "the key name is empty");

    protected override bool Edit(RecordMap map)
    {
        var entries = map.Entries;
        int before = entries.Count;
        if (_remove.Length > 0) entries.RemoveAll(e => AnyMatches(_remove, e));
        else if (_allow.Length > 0) entries.RemoveAll(e => !AnyMatches(_allow, e));
        entries.AddRange(_records);
        if (_uuidKey is not null) entries.Add(new MapEntry(_uuidKey, default, NewUuid()));
        return entries.Count != before || _records.Length > 0;
    }

    private static bool AnyMatches(KeyPattern[] patterns, MapEntry entry)
    {
        foreach (var pattern in patterns) if (pattern.Matches(entry.Name.Span)) return true;
        return false;
    }

    private ReadOnlyMemory<byte> NewUuid()
    {
        var memory = Arena.Take(38);
        var span = memory.Span;
        span[0] = 0xd9; // str 8: 36 characters do not fit a fixstr
        span[1] = 36;
        Span<char> chars = stackalloc char[36];
        Guid.NewGuid().TryFormat(chars, out _, "D");
        for (int i = 0; i < 36; i++) span[2 + i] = (byte)chars[i];
        return memory;
    }
}
