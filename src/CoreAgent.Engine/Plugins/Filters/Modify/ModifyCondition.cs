using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.Modify;

/// <summary>
/// One <c>Condition</c> of the modify filter, evaluated on the record as it came in. Keys are record
/// accessors (<c>$kubernetes['namespace']</c>); values compare byte for byte and only when they are
/// strings, as in filter_modify.c.
/// </summary>
internal sealed class ModifyCondition
{
    private readonly string _type;
    private readonly RecordAccessor? _key;
    private readonly Regex? _keyRegex;
    private readonly byte[]? _value;
    private readonly Regex? _valueRegex;

    private ModifyCondition(string type, RecordAccessor? key, Regex? keyRegex, byte[]? value, Regex? valueRegex)
    {
        _type = type;
        _key = key;
        _keyRegex = keyRegex;
        _value = value;
        _valueRegex = valueRegex;
    }

    public static ModifyCondition Parse(string value)
    {
        var text = value.Trim();
        int space = text.IndexOfAny([' ', '\t']);
        string type = (space < 0 ? text : text[..space]).ToLowerInvariant();
        string rest = space < 0 ? "" : text[space..];
        try
        {
            switch (type)
            {
                case "key_exists" or "key_does_not_exist":
                    return new(type, RecordAccessor.Parse(ModifyArguments.Split("condition", rest, 1)[0]), null, null, null);
                case "a_key_matches" or "no_key_matches":
                    return new(type, null, FluentRegex.Create(ModifyArguments.Split("condition", rest, 1)[0]), null, null);
                case "key_value_equals" or "key_value_does_not_equal":
                {
                    var words = ModifyArguments.Split("condition", rest, 2);
                    return new(type, RecordAccessor.Parse(words[0]), null, Encoding.UTF8.GetBytes(words[1]), null);
                }
                case "key_value_matches" or "key_value_does_not_match":
                {
                    var words = ModifyArguments.Split("condition", rest, 2);
                    return new(type, RecordAccessor.Parse(words[0]), null, null, FluentRegex.Create(words[1]));
                }
                case "matching_keys_have_matching_values" or "matching_keys_do_not_have_matching_values":
                {
                    var words = ModifyArguments.Split("condition", rest, 2);
                    return new(type, null, FluentRegex.Create(words[0]), null, FluentRegex.Create(words[1]));
                }
                default:
                    throw new PropertyException("condition", $"'{value}': unknown condition '{type}' (Key_exists, Key_does_not_exist, A_key_matches, No_key_matches, Key_value_equals, Key_value_does_not_equal, Key_value_matches, Key_value_does_not_match, Matching_keys_have_matching_values, Matching_keys_do_not_have_matching_values)");
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new PropertyException("condition", $"'{value}': {ex.Message}");
        }
    }

    public bool IsMet(RecordMap map) => _type switch
    {
        "key_exists" => _key!.TryGetValue(map.Body, out _),
        "key_does_not_exist" => !_key!.TryGetValue(map.Body, out _),
        "a_key_matches" => AnyKeyMatches(map),
        "no_key_matches" => !AnyKeyMatches(map),
        "key_value_equals" => ValueEquals(map),
        "key_value_does_not_equal" => _key!.TryGetValue(map.Body, out _) && !ValueEquals(map),
        "key_value_matches" => ValueMatches(map),
        "key_value_does_not_match" => _key!.TryGetValue(map.Body, out _) && !ValueMatches(map),
        "matching_keys_have_matching_values" => MatchingKeysHaveMatchingValues(map),
        _ => !MatchingKeysHaveMatchingValues(map),
    };

    private bool AnyKeyMatches(RecordMap map)
    {
        foreach (var entry in map.Entries)
            if (!entry.Name.IsEmpty && Utf8Regex.IsMatch(_keyRegex!, entry.Name.Span)) return true;
        return false;
    }

    private bool ValueEquals(RecordMap map) =>
        _key!.TryGetValue(map.Body, out var v) && Utf8Regex.TryText(v, out var text) && text.SequenceEqual(_value);

    private bool ValueMatches(RecordMap map) =>
        _key!.TryGetValue(map.Body, out var v) && Utf8Regex.TryText(v, out var text) && Utf8Regex.IsMatch(_valueRegex!, text);

    private bool MatchingKeysHaveMatchingValues(RecordMap map)
    {
        foreach (var entry in map.Entries)
        {
            if (entry.Name.IsEmpty || !Utf8Regex.IsMatch(_keyRegex!, entry.Name.Span)) continue;
            if (!Utf8Regex.TryText(entry.Value, out var text) || !Utf8Regex.IsMatch(_valueRegex!, text)) return false;
        }
        return true;
    }
}
