using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.Modify;

/// <summary>
/// One rule of the modify filter, applied to the record as the earlier rules left it. What each
/// does when keys are missing or clash follows filter_modify.c: Rename and Copy give way to an
/// existing target, Hard_rename and Hard_copy replace it, Copy needs exactly one source, Set
/// removes every pair with its key and appends the new one, Add only appends a key that is absent.
/// Keys compare byte for byte; the wildcard rules take a trailing * as a prefix.
/// </summary>
internal sealed class ModifyRule
{
    private readonly string _op;
    private readonly byte[] _key = [];
    private readonly MapEntry _target; // the new key (Rename, Copy) or the pair (Set, Add)
    private readonly KeyPattern? _pattern;
    private readonly Regex? _regex;

    private ModifyRule(string op, byte[] key, MapEntry target, KeyPattern? pattern, Regex? regex)
    {
        _op = op;
        _key = key;
        _target = target;
        _pattern = pattern;
        _regex = regex;
    }

    public static readonly string[] Names =
        ["set", "add", "remove", "remove_wildcard", "remove_regex", "rename", "hard_rename", "copy", "hard_copy", "move_to_start", "move_to_end"];

    public static ModifyRule Parse(string property, string value)
    {
        var op = property.ToLowerInvariant();
        switch (op)
        {
            case "set" or "add":
            {
                var words = ModifyArguments.Split(property, value, 2);
                return new(op, Encoding.UTF8.GetBytes(words[0]), MsgPackStrings.Pair(words[0], words[1]), null, null);
            }
            case "rename" or "hard_rename" or "copy" or "hard_copy":
            {
                var words = ModifyArguments.Split(property, value, 2);
                var target = MsgPackStrings.Pair(words[1], "");
                return new(op, Encoding.UTF8.GetBytes(words[0]), target with { Value = default }, null, null);
            }
            case "remove":
                return new(op, Encoding.UTF8.GetBytes(ModifyArguments.Split(property, value, 1)[0]), default, null, null);
            case "remove_regex":
                try { return new(op, [], default, null, FluentRegex.Create(ModifyArguments.Split(property, value, 1)[0])); }
                catch (ArgumentException ex) { throw new PropertyException(property, $"'{value}' is not a valid regular expression: {ex.Message}"); }
            default: // remove_wildcard, move_to_start, move_to_end
                return new(op, [], default, new KeyPattern(ModifyArguments.Split(property, value, 1)[0]), null);
        }
    }

    /// <summary>Applies the rule; false when it did not apply.</summary>
    public bool Apply(List<MapEntry> entries)
    {
        switch (_op)
        {
            case "set":
                entries.RemoveAll(e => e.Is(_key));
                entries.Add(_target);
                return true;
            case "add":
                if (Count(entries, _key) > 0) return false;
                entries.Add(_target);
                return true;
            case "remove":
                return entries.RemoveAll(e => e.Is(_key)) > 0;
            case "remove_wildcard":
                return entries.RemoveAll(e => _pattern!.Matches(e.Name.Span)) > 0;
            case "remove_regex":
                return entries.RemoveAll(e => !e.Name.IsEmpty && Utf8Regex.IsMatch(_regex!, e.Name.Span)) > 0;
            case "rename":
                if (Count(entries, _key) == 0 || Count(entries, _target.Name.Span) > 0) return false;
                Rename(entries);
                return true;
            case "hard_rename":
                if (Count(entries, _key) == 0) return false;
                entries.RemoveAll(e => e.Is(_target.Name.Span));
                Rename(entries);
                return true;
            case "copy":
                if (Count(entries, _key) != 1 || Count(entries, _target.Name.Span) > 0) return false;
                CopyAfterSource(entries);
                return true;
            case "hard_copy":
                if (Count(entries, _key) != 1 || Count(entries, _target.Name.Span) > 1) return false;
                entries.RemoveAll(e => e.Is(_target.Name.Span));
                CopyAfterSource(entries);
                return true;
            default:
                return Move(entries, toStart: _op == "move_to_start");
        }
    }

    private static int Count(List<MapEntry> entries, ReadOnlySpan<byte> name)
    {
        int n = 0;
        foreach (var e in entries) if (e.Is(name)) n++;
        return n;
    }

    private void Rename(List<MapEntry> entries)
    {
        for (int i = 0; i < entries.Count; i++)
            if (entries[i].Is(_key)) entries[i] = _target with { Value = entries[i].Value };
    }

    private void CopyAfterSource(List<MapEntry> entries)
    {
        int source = entries.FindIndex(e => e.Is(_key));
        entries.Insert(source + 1, _target with { Value = entries[source].Value });
    }

    private bool Move(List<MapEntry> entries, bool toStart)
    {
        var moved = entries.FindAll(e => _pattern!.Matches(e.Name.Span));
        if (moved.Count == 0) return false;
        entries.RemoveAll(e => _pattern!.Matches(e.Name.Span));
        if (toStart) entries.InsertRange(0, moved);
        else entries.AddRange(moved);
        return true;
    }
}
