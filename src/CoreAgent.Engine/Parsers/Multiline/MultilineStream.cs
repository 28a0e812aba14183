using System.Buffers;
using System.Diagnostics;
using System.Text;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Parsers.Multiline;

/// <summary>Receives one finished multiline record: its time, metadata (a msgpack map) and body (a msgpack map), valid only during the call.</summary>
public delegate void MultilineEmit(EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body);

/// <summary>
/// The multiline engine for one source (one file of tail, one input of the multiline filter), as
/// flb_ml.c runs it. The API the tail input calls:
/// <code>
/// var parsers = context.Parsers.Multiline.Resolve("docker, cri");   // multiline.parser, built-ins or [MULTILINE_PARSER]
/// var stream = new MultilineStream(parsers, (time, metadata, body) => emit(...));
/// stream.AppendText(lineWithoutNewline, EventTime.Now());   // per line read
/// // on a timer, every stream.FlushTimeout / 2 or so:
/// stream.FlushExpired();       // flushes records idle longer than their parser's flush_timeout
/// // at end of file being closed, rotation or stop:
/// stream.FlushAll();
/// </code>
/// Every call may emit records (zero, one or two) through the callback, synchronously. A stream
/// takes a lock, so the timer may call FlushExpired from another thread.
/// <para>
/// Per line: the parser used last is tried first, then the others in order; a parser with a line
/// parser (docker: json, cri: regex) must accept the line. Regex parsers follow their rules (a
/// start_state rule begins a record, rules of the current state continue it, a rule whose next
/// states include a start state ends it); endswith/equal parsers append and flush when the text
/// (or key_pattern) ends with / equals match_string (negate inverts it). A line no parser takes
/// flushes what is pending and goes out alone. Text records are <c>{"log": "..."}</c> (or
/// key_content), each line followed by "\n", as Fluent Bit joins them; records from a line parser
/// keep the first line's fields with key_content replaced by the joined text. A record's time is
/// its first line's (the last line's for text, as in Fluent Bit). A record longer than the buffer
/// limit (2 MB) is cut and flagged <c>multiline_truncated: true</c> in its metadata.
/// </para>
/// </summary>
public sealed class MultilineStream
{
    public const int DefaultBufferLimit = 2 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly MultilineParser[] _parsers;
    private readonly Dictionary<string, Group>[] _groups;
    private readonly MultilineEmit _emit;
    private readonly int _bufferLimit;
    private readonly ArrayBufferWriter<byte> _out = new();
    private readonly ArrayBufferWriter<byte> _parsed = new();
    private int _lastParser = -1;

    public MultilineStream(IReadOnlyList<MultilineParser> parsers, MultilineEmit emit, int bufferLimit = DefaultBufferLimit)
    {
        if (parsers.Count == 0) throw new ArgumentException("at least one multiline parser is needed", nameof(parsers));
        _parsers = [.. parsers];
        _groups = [.. _parsers.Select(_ => new Dictionary<string, Group>(StringComparer.Ordinal))];
        _emit = emit;
        _bufferLimit = bufferLimit;
        FlushTimeout = TimeSpan.FromMilliseconds(_parsers.Max(p => p.FlushTimeoutMs));
    }

    /// <summary>The longest flush_timeout of the parsers (Fluent Bit's flush timer period).</summary>
    public TimeSpan FlushTimeout { get; }

    private sealed class Group
    {
        public readonly List<byte> Buffer = [];
        public MultilineRule? State;
        public byte[]? Context; // the first record's map
        public byte[]? Metadata;
        public EventTime Time;
        public bool Truncated;
        public long LastAppend = Stopwatch.GetTimestamp();
    }

    /// <summary>Appends one line of text (without its line break).</summary>
    public void AppendText(ReadOnlySpan<byte> line, EventTime time)
    {
        lock (_gate) Append(line, default, time, default, isRecord: false);
    }

    /// <summary>Appends a record (a msgpack map), as the multiline filter does; key_content names the text.</summary>
    public void AppendRecord(ReadOnlyMemory<byte> body, EventTime time, ReadOnlySpan<byte> metadata)
    {
        lock (_gate) Append(default, body, time, metadata, isRecord: true);
    }

    /// <summary>Flushes every record whose last line came longer than its parser's flush_timeout ago.</summary>
    public void FlushExpired()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            for (int p = 0; p < _parsers.Length; p++)
                foreach (var group in _groups[p].Values)
                    if (Stopwatch.GetElapsedTime(group.LastAppend, now).TotalMilliseconds >= _parsers[p].FlushTimeoutMs)
                        Flush(p, group);
        }
    }

    /// <summary>Flushes everything pending (end of a file, stop).</summary>
    public void FlushAll()
    {
        lock (_gate)
            for (int p = 0; p < _parsers.Length; p++)
                foreach (var group in _groups[p].Values) Flush(p, group);
    }

    private void Append(ReadOnlySpan<byte> text, ReadOnlyMemory<byte> record, EventTime time, ReadOnlySpan<byte> metadata, bool isRecord)
    {
        if (_lastParser >= 0 && TryParser(_lastParser, text, record, time, metadata, isRecord)) return;
        for (int p = 0; p < _parsers.Length; p++)
        {
            if (p == _lastParser) continue;
            if (!TryParser(p, text, record, time, metadata, isRecord)) continue;
            _lastParser = p;
            return;
        }
        // A line no parser takes breaks every sequence: flush, then send it alone (through the first parser's shape).
        for (int p = 0; p < _parsers.Length; p++)
            foreach (var pending in _groups[p].Values) Flush(p, pending);
        var alone = GroupOf(0, null);
        alone.Time = time;
        if (isRecord)
        {
            alone.Context = record.ToArray();
            alone.Metadata = metadata.IsEmpty ? null : metadata.ToArray();
        }
        else
        {
            alone.Buffer.AddRange(text);
        }
        Flush(0, alone);
    }

    /// <summary>ml_append_try_parser + process_append: false when this parser does not take the line.</summary>
    private bool TryParser(int p, ReadOnlySpan<byte> text, ReadOnlyMemory<byte> record, EventTime time, ReadOnlySpan<byte> metadata, bool isRecord)
    {
        var parser = _parsers[p];
        var map = record;
        bool isMap = isRecord;
        if (parser.LineParser is not null)
        {
            ReadOnlySpan<byte> input = text;
            if (isRecord)
            {
                // A record goes through the line parser by its key_content (ml_append_try_parser_type_map).
                if (parser.KeyContent is null || !TryGetString(record, parser.KeyContentUtf8!, out var content)) return false;
                input = content.Span;
            }
            _parsed.ResetWrittenCount();
            if (!parser.LineParser.TryParse(input, _parsed, out var parsedTime)) return false;
            if (parsedTime is { } t) time = t;
            map = _parsed.WrittenMemory;
            isMap = true;
        }
        return Package(p, text, map, time, metadata, isMap);
    }

    /// <summary>package_content: the line joins (or starts, or ends) a record of its group.</summary>
    private bool Package(int p, ReadOnlySpan<byte> text, ReadOnlyMemory<byte> map, EventTime time, ReadOnlySpan<byte> metadata, bool isMap)
    {
        var parser = _parsers[p];
        ReadOnlySpan<byte> content = text, pattern = default, groupKey = default;
        bool hasContent = !isMap, hasGroup = false;
        if (isMap)
        {
            if (parser.KeyContent is null || !TryGetString(map, parser.KeyContentUtf8!, out var c)) return false;
            content = c.Span;
            hasContent = true;
            if (parser.KeyPattern is not null && TryGetString(map, Encoding.UTF8.GetBytes(parser.KeyPattern), out var pat)) pattern = pat.Span;
            else pattern = content;
            if (parser.KeyGroup is not null && TryGetString(map, Encoding.UTF8.GetBytes(parser.KeyGroup), out var g)) { groupKey = g.Span; hasGroup = true; }
        }
        else
        {
            pattern = text;
        }
        var group = GroupOf(p, hasGroup ? Encoding.UTF8.GetString(groupKey) : null);
        group.LastAppend = Stopwatch.GetTimestamp();
        bool processed;
        switch (parser.Type)
        {
            case MultilineType.Regex:
                if (!Rules(p, group, content, map, time, isMap)) return false;
                if (group.Context is null) { group.Time = time; if (isMap) group.Context = map.ToArray(); }
                processed = true;
                break;
            case MultilineType.EndsWith:
            case MultilineType.Equal:
                var match = parser.MatchString ?? [];
                if (parser.Type == MultilineType.EndsWith && match.Length > pattern.Length) return false;
                bool matched = parser.Type == MultilineType.EndsWith ? pattern.EndsWith(match) : pattern.SequenceEqual(match);
                if (parser.Negate) matched = !matched;
                if (group.Context is null) { group.Time = time; if (isMap) group.Context = map.ToArray(); }
                BreakLine(parser, group);
                group.Buffer.AddRange(hasContent ? content : text);
                if (matched) Flush(p, group);
                processed = true;
                break;
            default:
                return false;
        }
        if (processed && !metadata.IsEmpty && group.Metadata is null) group.Metadata = metadata.ToArray();
        return processed;
    }

    /// <summary>flb_ml_rule_process: continue the current state, or begin at a start state; false when neither matches.</summary>
    private bool Rules(int p, Group group, ReadOnlySpan<byte> content, ReadOnlyMemory<byte> map, EventTime time, bool isMap)
    {
        var parser = _parsers[p];
        MultilineRule? rule = null;
        if (group.State is { } state)
        {
            foreach (var next in state.Next)
            {
                if (next.IsStart || !next.Matches(content)) continue;
                if (group.Buffer.Count >= 1 && group.Buffer[^1] != '\n') group.Buffer.Add((byte)'\n');
                if (content.IsEmpty) group.Buffer.Add((byte)'\n');
                else if (!Cat(group, content))
                {
                    Flush(p, group); // the buffer is full: send the cut record
                    group.State = null;
                    return true;
                }
                rule = next;
                break;
            }
        }
        if (rule is null)
        {
            foreach (var start in parser.Rules)
            {
                if (!start.IsStart || !start.Matches(content)) continue;
                rule = start;
                break;
            }
            if (rule is null) return false;
            if (group.Buffer.Count > 0) Flush(p, group);
            group.State = rule;
            Cat(group, content);
            group.Time = time;
            group.Context = isMap ? map.ToArray() : null;
        }
        group.State = rule;
        // A rule that may lead to a start state ends the record.
        if (rule.Next.Any(r => r.IsStart) && group.Buffer.Count > 0) Flush(p, group);
        return true;
    }

    private bool Cat(Group group, ReadOnlySpan<byte> data)
    {
        int room = _bufferLimit - group.Buffer.Count;
        if (room <= 0) { group.Truncated = true; return false; }
        if (data.Length > room)
        {
            group.Buffer.AddRange(data[..room]);
            group.Truncated = true;
            return false;
        }
        group.Buffer.AddRange(data);
        return true;
    }

    private static void BreakLine(MultilineParser parser, Group group)
    {
        if (parser.KeyContent is not null || group.Buffer.Count == 0) return;
        if (group.Buffer[^1] != '\n') group.Buffer.Add((byte)'\n');
    }

    private Group GroupOf(int p, string? key)
    {
        key ??= "";
        if (!_groups[p].TryGetValue(key, out var group)) _groups[p][key] = group = new Group();
        return group;
    }

    /// <summary>flb_ml_flush_stream_group: writes the pending record, if any, and empties the group (its state stays).</summary>
    private void Flush(int p, Group group)
    {
        var parser = _parsers[p];
        BreakLine(parser, group);
        if (group.Context is null && group.Buffer.Count == 0) { Reset(group); return; }
        var time = group.Time.Seconds == 0 && group.Time.Nanoseconds == 0 ? EventTime.Now() : group.Time;
        _out.ResetWrittenCount();
        var writer = new MessagePackWriter(_out);
        var buffer = CollectionsMarshalSpan(group.Buffer);
        if (group.Context is { } context)
        {
            if (buffer.Length > 0 && parser.KeyContentUtf8 is { } key) WritePairs(ref writer, context, key, buffer);
            else writer.WriteRaw(context);
        }
        else
        {
            writer.WriteMapHeader(1);
            writer.Write(parser.KeyContent ?? "log");
            writer.WriteString(buffer);
        }
        writer.Flush();
        var metadata = Metadata(group);
        _emit(time, metadata, _out.WrittenSpan);
        Reset(group);
    }

    private static ReadOnlySpan<byte> CollectionsMarshalSpan(List<byte> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

    private static void Reset(Group group)
    {
        group.Buffer.Clear();
        group.Context = null;
        group.Metadata = null;
        group.Truncated = false;
        group.Time = default;
    }

    private static byte[] Metadata(Group group)
    {
        var metadata = group.Metadata ?? [0x80];
        if (!group.Truncated) return metadata;
        var reader = new MessagePackReader(metadata);
        int count = reader.NextMessagePackType == MessagePackType.Map ? reader.ReadMapHeader() : 0;
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(count + 1);
        writer.WriteRaw(metadata.AsSpan((int)reader.Consumed));
        writer.Write("multiline_truncated");
        writer.Write(true);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The first map's pairs with key_content's value replaced by the joined text.</summary>
    private static void WritePairs(ref MessagePackWriter writer, byte[] map, byte[] key, ReadOnlySpan<byte> text)
    {
        var reader = new MessagePackReader(map);
        int count = reader.ReadMapHeader();
        writer.WriteMapHeader(count);
        for (int i = 0; i < count; i++)
        {
            int keyStart = (int)reader.Consumed;
            bool isKey = false;
            if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var name)) isKey = name.SequenceEqual(key);
            else reader.Skip();
            int valueStart = (int)reader.Consumed;
            reader.Skip();
            writer.WriteRaw(map.AsSpan(keyStart, valueStart - keyStart));
            if (isKey) writer.WriteString(text);
            else writer.WriteRaw(map.AsSpan(valueStart, (int)reader.Consumed - valueStart));
        }
    }

    /// <summary>The value of a top-level string key whose value is a string (get_key_id).</summary>
    private static bool TryGetString(ReadOnlyMemory<byte> map, byte[] key, out ReadOnlyMemory<byte> value)
    {
        value = default;
        if (map.IsEmpty) return false;
        var reader = new MessagePackReader(map);
        if (reader.NextMessagePackType != MessagePackType.Map) return false;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            bool keyMatches = false;
            if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var name)) keyMatches = name.SequenceEqual(key);
            else reader.Skip();
            if (keyMatches && reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var s))
            {
                value = map.Slice((int)reader.Consumed - s.Length, s.Length);
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
