using System.Buffers;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters;

/// <summary>
/// Fluent Bit's grep filter: keeps the records whose KEY matches <c>Regex KEY REGEX</c> and drops
/// those whose KEY matches <c>Exclude KEY REGEX</c>. A record whose KEY is missing or not a string
/// never matches. Both keys may be repeated. Logical_Op legacy (the default) walks the rules in
/// the order given as filter_grep.c does: the first Regex decides (a match keeps the record at once,
/// later rules unread; a miss drops it), an Exclude that matches drops it, one that misses goes on
/// to the next rule. So two Regex rules are not an AND: only the first is ever read. AND keeps (or,
/// for Exclude rules, drops) a record when every rule matches, OR when any does; they take rules of
/// one kind only, as in Fluent Bit.
/// </summary>
public sealed class GrepFilter : IFilterPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "grep",
        Description = "grep events by specified field values",
        Type = PluginType.Filter,
        CreateFilter = () => new GrepFilter(),
        Properties =
        [
            new("regex", PropertyType.String, null, "KEY REGEX: keep records whose KEY (a field or $record['accessor']) matches REGEX. May be repeated.") { Multiple = true },
            new("exclude", PropertyType.String, null, "KEY REGEX: drop records whose KEY matches REGEX. May be repeated.") { Multiple = true },
            new("logical_op", PropertyType.String, "legacy", "How the rules combine: legacy, AND or OR (AND and OR need rules of one kind)."),
        ],
    };

    private readonly ArrayBufferWriter<byte> _kept = new();
    private GrepRule[] _rules = [];
    private string _op = "legacy";

    public void Init(FilterContext context)
    {
        // In the order given: legacy mode depends on it, as Fluent Bit's rule list does.
        _rules = [.. context.Properties
            .Where(p => p.Key.Equals("regex", StringComparison.OrdinalIgnoreCase) || p.Key.Equals("exclude", StringComparison.OrdinalIgnoreCase))
            .Select(p => GrepRule.Parse(p.Key.ToLowerInvariant(), p.Value))];
        _op = context.GetString("logical_op", "legacy").Trim().ToLowerInvariant();
        if (_op is not ("legacy" or "and" or "or"))
            throw new PropertyException("logical_op", $"'{_op}' is not legacy, AND or OR");
        if (_op != "legacy" && _rules.Select(r => r.IsExclude).Distinct().Count() > 1)
            throw new PropertyException("logical_op", "Both 'regex' and 'exclude' are set: AND and OR take rules of one kind");
        if (_rules.Length == 0)
            context.Log.Warn("filter", $"{context.InstanceName}: no Regex or Exclude rule; every record passes");
    }

    public FilterResult Filter(Chunk chunk)
    {
        if (_rules.Length == 0) return FilterResult.Unchanged;
        var events = chunk.Memory;
        var reader = new MessagePackReader(events);
        int kept = 0, dropped = 0, runStart = 0;
        _kept.ResetWrittenCount();
        while (!reader.End)
        {
            int start = (int)reader.Consumed;
            var record = EventReader.ReadOne(ref reader, events);
            if (Keep(record.Body))
            {
                kept++;
                continue;
            }
            // Kept events are copied in runs, and only once something is dropped: a chunk that
            // keeps everything costs no copy at all.
            dropped++;
            _kept.Write(events.Span[runStart..start]);
            runStart = (int)reader.Consumed;
        }
        if (dropped == 0) return FilterResult.Unchanged;
        if (kept == 0) return FilterResult.DropAll;
        _kept.Write(events.Span[runStart..]);
        return FilterResult.Replace(_kept.WrittenMemory, kept);
    }

    private bool Keep(ReadOnlyMemory<byte> body) => _op switch
    {
        "and" => AllMatch(body) != _rules[0].IsExclude,
        "or" => AnyMatches(body) != _rules[0].IsExclude,
        _ => KeepLegacy(body),
    };

    private bool AllMatch(ReadOnlyMemory<byte> body)
    {
        foreach (var rule in _rules) if (!rule.Matches(body)) return false;
        return true;
    }

    private bool AnyMatches(ReadOnlyMemory<byte> body)
    {
        foreach (var rule in _rules) if (rule.Matches(body)) return true;
        return false;
    }

    /// <summary>Fluent Bit's legacy rule walk: the first rule that decides, decides.</summary>
    private bool KeepLegacy(ReadOnlyMemory<byte> body)
    {
        foreach (var rule in _rules)
        {
            bool match = rule.Matches(body);
            if (rule.IsExclude && match) return false;
            if (!rule.IsExclude) return match;
        }
        return true;
    }

    public void Exit() => _rules = [];
}
