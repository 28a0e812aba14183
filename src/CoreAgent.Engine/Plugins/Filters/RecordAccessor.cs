using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Filters;

/// <summary>
/// The part of Fluent Bit's record accessor that filters need to read a value: <c>$key</c>, with
/// map subkeys <c>['sub']</c> and array indexes <c>[0]</c> (<c>$kubernetes['labels']['app']</c>).
/// A name without <c>$</c> is a top-level key, as grep reads it. Values are found by walking the
/// msgpack body in place, without decoding it.
/// </summary>
public sealed class RecordAccessor
{
    private readonly byte[] _key;
    private readonly object[] _path; // byte[] for a map subkey, int for an array index

    private RecordAccessor(string text, byte[] key, object[] path)
    {
        Text = text;
        _key = key;
        _path = path;
    }

    public string Text { get; }

    /// <summary>Parses an accessor; throws <see cref="FormatException"/> when it is not one.</summary>
    public static RecordAccessor Parse(string text)
    {
        if (!text.StartsWith('$')) return new RecordAccessor(text, Encoding.UTF8.GetBytes(text), []);
        int bracket = text.IndexOf('[');
        string key = bracket < 0 ? text[1..] : text[1..bracket];
        if (key.Length == 0) throw new FormatException($"'{text}' names no key after $");
        var path = new List<object>();
        for (int at = bracket; at >= 0 && at < text.Length;)
        {
            int close = text.IndexOf(']', at);
            if (text[at] != '[' || close < 0) throw new FormatException($"'{text}': expected ['subkey'] or [index] at position {at}");
            var inner = text.AsSpan(at + 1, close - at - 1);
            if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
                path.Add(Encoding.UTF8.GetBytes(inner[1..^1].ToString()));
            else if (int.TryParse(inner, out int index) && index >= 0)
                path.Add(index);
            else
                throw new FormatException($"'{text}': '{inner}' is neither a quoted subkey nor an array index");
            at = close + 1;
        }
        return new RecordAccessor(text, Encoding.UTF8.GetBytes(key), [.. path]);
    }

    /// <summary>
    /// Finds the value in a msgpack map and, when it is a string, returns its UTF-8 bytes. Like
    /// Fluent Bit's flb_ra_regex_match, any other type (numbers, bin, maps) counts as not found.
    /// </summary>
    public bool TryGetString(ReadOnlyMemory<byte> map, out ReadOnlyMemory<byte> utf8)
    {
        utf8 = default;
        var reader = new MessagePackReader(map);
        if (!Seek(ref reader)) return false;
        if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var bytes)) return false;
        utf8 = map.Slice((int)reader.Consumed - bytes.Length, bytes.Length);
        return true;
    }

    /// <summary>Finds the value, of any type, and returns its msgpack bytes.</summary>
    public bool TryGetValue(ReadOnlyMemory<byte> map, out ReadOnlyMemory<byte> value)
    {
        value = default;
        var reader = new MessagePackReader(map);
        if (!Seek(ref reader)) return false;
        int start = (int)reader.Consumed;
        reader.Skip();
        value = map[start..(int)reader.Consumed];
        return true;
    }

    /// <summary>The top-level key when the accessor has no subkeys (most Fluent Bit configurations), else null.</summary>
    public byte[]? TopLevelKey => _path.Length == 0 ? _key : null;

    private bool Seek(ref MessagePackReader reader)
    {
        if (!SeekMapKey(ref reader, _key)) return false;
        foreach (var step in _path)
        {
            bool found = step is int index ? SeekArrayIndex(ref reader, index) : SeekMapKey(ref reader, (byte[])step);
            if (!found) return false;
        }
        return true;
    }

    private static bool SeekMapKey(ref MessagePackReader reader, byte[] key)
    {
        if (reader.NextMessagePackType != MessagePackType.Map) return false;
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            // Chunk memory is one contiguous block, so a string key always reads as a span.
            if (reader.NextMessagePackType == MessagePackType.String && reader.TryReadStringSpan(out var name))
            {
                if (name.SequenceEqual(key)) return true;
            }
            else
            {
                reader.Skip(); // a key that is not a string never matches
            }
            reader.Skip(); // the value
        }
        return false;
    }

    private static bool SeekArrayIndex(ref MessagePackReader reader, int index)
    {
        if (reader.NextMessagePackType != MessagePackType.Array) return false;
        int count = reader.ReadArrayHeader();
        if (index >= count) return false;
        for (int i = 0; i < index; i++) reader.Skip();
        return true;
    }

    public override string ToString() => Text;
}
