using System.Buffers;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.RewriteTag;

/// <summary>
/// Fluent Bit's rewrite_tag: for each record the Rules are tried in order; the first whose KEY (a
/// record accessor) holds a string matching its REGEX re-emits the whole event (time and metadata
/// included) under NEW_TAG, and KEEP false removes it from the original chunk. Re-emitted records go
/// through the filters and the router again under the new tag, as records of Fluent Bit's emitter
/// input do; like filter_rewrite_tag.c, the filter leaves its own emitter's chunks alone, so a rule
/// that matches its own output cannot loop.
/// </summary>
public sealed class RewriteTagFilter : IFilterPlugin, IEmittingFilter
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "rewrite_tag",
        Description = "Rewrite records tags",
        Type = PluginType.Filter,
        CreateFilter = () => new RewriteTagFilter(),
        Properties =
        [
            new("rule", PropertyType.String, null, "$KEY REGEX NEW_TAG KEEP: re-emit matching records under NEW_TAG ($TAG, $TAG[n], $1.., $record['key']). May be repeated.") { Multiple = true },
            new("emitter_name", PropertyType.String, null, "Name of the emitter that re-emits the records (default emitter_for_<filter name>)."),
            new("emitter_storage.type", PropertyType.String, "memory", "Accepted for compatibility; re-emitted records are routed at once, in memory."),
            new("emitter_mem_buf_limit", PropertyType.Size, "10M", "Accepted for compatibility; re-emitted records are routed at once, so nothing is buffered for them."),
        ],
    };

    private sealed class Pending
    {
        public readonly ArrayBufferWriter<byte> Events = new();
        public int Records;
    }

    private readonly ArrayBufferWriter<byte> _kept = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private RewriteRule[] _rules = [];
    private string _emitterName = "";

    public string EmitterName => _emitterName;

    public void Init(FilterContext context)
    {
        var p = context.Properties;
        _rules = [.. p.GetAll("rule").Select(r => RewriteRule.Parse(r.Value))];
        if (_rules.Length == 0) throw new PropertyException("rule", "rewrite_tag needs at least one Rule '$KEY REGEX NEW_TAG KEEP'");
        _emitterName = p.Get("emitter_name") is { Length: > 0 } name ? name : $"emitter_for_{context.InstanceName}";
        if (p.Get("emitter_storage.type") is { } storage && !storage.Trim().Equals("memory", StringComparison.OrdinalIgnoreCase))
            context.Log.Warn("filter", $"{context.InstanceName}: Emitter_Storage.type {storage} is accepted but not used: re-emitted records are routed at once, in memory");
        if (p.Get("emitter_mem_buf_limit") is not null)
            context.Log.Warn("filter", $"{context.InstanceName}: Emitter_Mem_Buf_Limit is accepted but not used: re-emitted records are routed at once, not buffered");
    }

    public FilterResult Filter(Chunk chunk)
    {
        if (chunk.Emitter == _emitterName) return FilterResult.Unchanged; // our own output: never again
        var events = chunk.Memory;
        var reader = new MessagePackReader(events);
        int records = 0, kept = 0, runStart = 0;
        _kept.ResetWrittenCount();
        while (!reader.End)
        {
            int start = (int)reader.Consumed;
            var record = EventReader.ReadOne(ref reader, events);
            int end = (int)reader.Consumed;
            records++;
            bool keep = true;
            foreach (var rule in _rules)
            {
                if (rule.Rewrite(chunk.Tag, record.Body) is not { } tag) continue;
                if (tag.Length > 0) Emit(tag, events.Span[start..end]);
                keep = rule.Keep;
                break; // the first rule that matches decides
            }
            if (keep) { kept++; continue; }
            _kept.Write(events.Span[runStart..start]);
            runStart = end;
        }
        if (kept == records) return FilterResult.Unchanged;
        if (kept == 0) return FilterResult.DropAll;
        _kept.Write(events.Span[runStart..]);
        return FilterResult.Replace(_kept.WrittenMemory, kept);
    }

    private void Emit(string tag, ReadOnlySpan<byte> @event)
    {
        if (!_pending.TryGetValue(tag, out var pending)) _pending[tag] = pending = new Pending();
        pending.Events.Write(@event);
        pending.Records++;
    }

    public void TakeEmitted(List<Chunk> emitted)
    {
        foreach (var (tag, pending) in _pending)
        {
            if (pending.Records == 0) continue;
            var chunk = Chunk.FromBytes(tag, pending.Events.WrittenSpan, pending.Records);
            chunk.Emitter = _emitterName;
            emitted.Add(chunk);
            pending.Events.ResetWrittenCount();
            pending.Records = 0;
        }
        if (_pending.Count > 64) _pending.Clear(); // many one-off tags: do not keep a buffer for each
    }

    public void Exit() => _pending.Clear();
}
