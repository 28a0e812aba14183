using System.Buffers;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters.Shared;

/// <summary>
/// The chunk loop of the filters that edit a record's top-level pairs (record_modifier, modify,
/// nest): each body is read into a <see cref="RecordMap"/>, <see cref="Edit"/> changes it, and a
/// changed record is written again with its time and metadata; an unchanged one is copied as it
/// was. A chunk where nothing changed costs no copy at all.
/// </summary>
public abstract class MapFilter : IFilterPlugin
{
    private readonly ArrayBufferWriter<byte> _events = new();
    private readonly ArrayBufferWriter<byte> _body = new();
    private readonly RecordMap _map = new();

    /// <summary>Per-record scratch memory, reset before every record.</summary>
    protected ByteArena Arena { get; } = new();

    public abstract void Init(FilterContext context);

    /// <summary>Changes the record's pairs; returns false when it left them as they were.</summary>
    protected abstract bool Edit(RecordMap map);

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
            Arena.Reset();
            if (!_map.Load(record.Body) || !Edit(_map)) continue;
            // Unchanged events before this one are copied as one run.
            changed = true;
            _events.Write(events.Span[runStart..start]);
            runStart = (int)reader.Consumed;
            _body.ResetWrittenCount();
            _map.WriteTo(_body);
            int size = EventEncoder.SizeOf(record.Metadata.Span, _body.WrittenSpan);
            int written = EventEncoder.Write(_events.GetSpan(size), record.Time, record.Metadata.Span, _body.WrittenSpan);
            _events.Advance(written);
        }
        if (!changed) return FilterResult.Unchanged;
        _events.Write(events.Span[runStart..]);
        return FilterResult.Replace(_events.WrittenMemory, records);
    }

    public virtual void Exit() { }
}
