using System.Buffers;
using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;
using EngineParser = CoreAgent.Engine.Parsers.Parser;

namespace CoreAgent.Engine.Plugins.Filters.Parser;

/// <summary>
/// Fluent Bit's parser filter (filter_parser.c): parses the string (or bin) value of Key_Name with
/// the first of its Parsers that accepts it. The parsed fields become the record; Reserve_Data
/// appends the other original fields after them, Preserve_Key keeps Key_Name too. When the parser
/// yields a time, it replaces the record's. A record none of the parsers accepts passes unchanged.
/// A Key_Name starting with $ is a record accessor: then, as in Fluent Bit, the key itself is never
/// removed (Reserve_Data keeps every field) and Preserve_Key alone appends nothing.
/// </summary>
public sealed class ParserFilter : IFilterPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "parser",
        Description = "Parse events",
        Type = PluginType.Filter,
        CreateFilter = () => new ParserFilter(),
        Properties =
        [
            new("key_name", PropertyType.String, null, "The field to parse (a name, or a $record['accessor'])."),
            new("parser", PropertyType.String, null, "A parser from the parsers file. May be repeated: the first that parses the value wins.")
                { Multiple = true, References = ParserReference.Parser },
            new("reserve_data", PropertyType.Boolean, "false", "Keep the record's other fields after the parsed ones."),
            new("preserve_key", PropertyType.Boolean, "false", "Keep Key_Name itself in the parsed record."),
            new("unescape_key", PropertyType.String, null, "Deprecated in Fluent Bit; accepted and ignored (with a warning)."),
        ],
    };

    private readonly ArrayBufferWriter<byte> _events = new();
    private ArrayBufferWriter<byte> _parsed = new(); // the output of the last successful parse
    private ArrayBufferWriter<byte> _attempt = new();
    private readonly ArrayBufferWriter<byte> _body = new();
    private readonly RecordMap _map = new();
    private readonly List<MapEntry> _append = [];
    private EngineParser[] _parsers = [];
    private RecordAccessor? _accessor;
    private byte[] _key = [];
    private bool _reserveData, _preserveKey;

    public void Init(FilterContext context)
    {
        var keyName = context.Properties.Get("key_name")?.Trim();
        if (string.IsNullOrEmpty(keyName)) throw new PropertyException("key_name", "missing 'key_name'");
        if (keyName.StartsWith('$'))
        {
            try { _accessor = RecordAccessor.Parse(keyName); }
            catch (FormatException ex) { throw new PropertyException("key_name", $"invalid record accessor pattern '{keyName}': {ex.Message}"); }
        }
        _key = System.Text.Encoding.UTF8.GetBytes(keyName);
        var names = context.Properties.GetAll("parser").Select(p => p.Value.Trim()).Where(n => n.Length > 0).ToList();
        if (names.Count == 0) throw new PropertyException("parser", "Invalid 'parser': give at least one Parser");
        _parsers = [.. names.Select(n => context.Parsers.Find(n)
            ?? throw new PropertyException("parser", $"requested parser '{n}' not found (defined: {context.Parsers.KnownNames})"))];
        _reserveData = context.GetBool("reserve_data", false);
        _preserveKey = context.GetBool("preserve_key", false);
        if (context.Properties.Get("unescape_key") is not null)
            context.Log.Warn("filter", $"{context.InstanceName}: unescape_key is deprecated in Fluent Bit and has no effect");
    }

    public FilterResult Filter(Chunk chunk)
    {
        var events = chunk.Memory;
        var reader = new MessagePackReader(events);
        int records = 0, runStart = 0;
        bool changed = false;
        _events.ResetWrittenCount();
        while (!reader.End)
        {
            int start = (int)reader.Consumed;
            var record = EventReader.ReadOne(ref reader, events);
            records++;
            if (!TryParseRecord(record, out var time)) continue;
            changed = true;
            _events.Write(events.Span[runStart..start]); // unchanged events before this one, as one run
            runStart = (int)reader.Consumed;
            int size = EventEncoder.SizeOf(record.Metadata.Span, _body.WrittenSpan);
            _events.Advance(EventEncoder.Write(_events.GetSpan(size), time, record.Metadata.Span, _body.WrittenSpan));
        }
        if (!changed) return FilterResult.Unchanged;
        _events.Write(events.Span[runStart..]);
        return FilterResult.Replace(_events.WrittenMemory, records);
    }

    /// <summary>Parses the record's key; on success _body holds the new body.</summary>
    private bool TryParseRecord(EventSlice record, out EventTime time)
    {
        time = record.Time;
        if (!_map.Load(record.Body)) return false;
        _append.Clear();
        bool parsed = false;
        EventTime? parsedTime = null;
        if (_accessor is not null)
        {
            if (_accessor.TryGetValue(record.Body, out var value) && Utf8Regex.TryText(value, out var text) && TryParsers(text, out parsedTime))
                parsed = true;
            if (parsed && _reserveData) _append.AddRange(_map.Entries);
        }
        else
        {
            // Every field named Key_Name is tried, as Fluent Bit walks the whole map; the last parse wins.
            var keep = _reserveData ? new bool[_map.Entries.Count] : null;
            if (keep is not null) Array.Fill(keep, true);
            MapEntry? preserved = null;
            for (int i = 0; i < _map.Entries.Count; i++)
            {
                var entry = _map.Entries[i];
                if (!entry.Is(_key) || !Utf8Regex.TryText(entry.Value, out var text)) continue;
                if (!TryParsers(text, out var t)) continue;
                parsed = true;
                parsedTime = t ?? parsedTime;
                if (keep is not null && !_preserveKey) keep[i] = false;
                else if (keep is null && _preserveKey) preserved = entry;
            }
            if (parsed && keep is not null)
                for (int i = 0; i < keep.Length; i++) if (keep[i]) _append.Add(_map.Entries[i]);
            if (parsed && preserved is { } p) _append.Add(p);
        }
        if (!parsed) return false;
        if (parsedTime is { } newTime) time = newTime;
        Merge();
        return true;
    }

    /// <summary>Tries the parsers in order; the output of the one that parses becomes _parsed.</summary>
    private bool TryParsers(ReadOnlySpan<byte> text, out EventTime? time)
    {
        time = null;
        foreach (var parser in _parsers)
        {
            _attempt.ResetWrittenCount();
            if (!parser.TryParse(text, _attempt, out time)) continue;
            (_parsed, _attempt) = (_attempt, _parsed);
            return true;
        }
        return false;
    }

    /// <summary>The parsed map with the fields to keep appended (flb_msgpack_expand_map), into _body.</summary>
    private void Merge()
    {
        _body.ResetWrittenCount();
        if (_append.Count == 0)
        {
            _body.Write(_parsed.WrittenSpan);
            return;
        }
        var reader = new MessagePackReader(_parsed.WrittenMemory);
        int count = reader.ReadMapHeader();
        var writer = new MessagePackWriter(_body);
        writer.WriteMapHeader(count + _append.Count);
        writer.Flush();
        _body.Write(_parsed.WrittenSpan[(int)reader.Consumed..]);
        foreach (var entry in _append)
        {
            _body.Write(entry.Key.Span);
            _body.Write(entry.Value.Span);
        }
    }

    public void Exit() { }
}
