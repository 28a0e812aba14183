using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Reflection;
using System.Security;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Commands.Records;

/// <summary>
/// Turns PowerShell objects into msgpack events, one object per event (docs/records.md has the rules
/// with examples). The body is a map: a hashtable or other IDictionary gives its entries (an ordered
/// dictionary keeps its order); a PSCustomObject its properties; any other .NET object its
/// properties as PowerShell shows them (adapted and extended); a scalar becomes <c>{"log": value}</c>.
/// <para>
/// Values: strings and chars are str; integers int (BigInteger too when it fits, else a string);
/// float, double and decimal float64; bool; null nil; byte[] bin (with a MsgPackExtensionType note,
/// ext); DateTime and DateTimeOffset ISO 8601 strings ("o"); TimeSpan "c" strings; enums their names;
/// dictionaries and PSCustomObjects maps; other enumerables arrays; Guid, Uri, Version and other
/// formattable or reflection types their ToString(). Other .NET objects are expanded through their
/// properties down to <see cref="DefaultObjectDepth"/> levels (as ConvertTo-Json does), and become
/// their ToString() below that. Dictionaries, PSCustomObjects and arrays are followed down to
/// <see cref="MaxDepth"/> levels. A container that holds itself (directly or not) is written as its
/// ToString() where it reappears, so cycles end at once.
/// </para>
/// <para>
/// The event time: -Timestamp when given; else a CoreAgent.Record's own Timestamp with its exact
/// TimestampNanoseconds; else a top-level Timestamp property or key holding a DateTime or
/// DateTimeOffset (which is then not written to the body; a DateTime of unspecified kind counts as
/// local time); else the current time. A CoreAgent.Record's Metadata becomes the v2 metadata.
/// </para>
/// </summary>
internal sealed class PSObjectToMsgPack
{
    public const int DefaultObjectDepth = 4;
    public const int MaxDepth = 100;

    /// <summary>The body key of an object that is not a map (a string, a number, ...).</summary>
    public const string ScalarKey = "log";

    private const string TimestampKey = "Timestamp";
    private const string TagKey = "Tag";

    /// <summary>
    /// Test-AgentPipeline: take each record's tag from the object (a CoreAgent.Record's own Tag, else
    /// a top-level Tag property or key holding a non-empty string, which is then not written to the
    /// body) into <see cref="LastTag"/>.
    /// </summary>
    public bool TakeTag { get; init; }

    /// <summary>With <see cref="TakeTag"/>: the tag the last encoded object carried, or null.</summary>
    public string? LastTag { get; private set; }

    // Members PowerShell itself adds to objects: providers (Get-Item, Get-ChildItem), remoting and jobs.
    private static readonly HashSet<string> PowerShellMembers = new(StringComparer.OrdinalIgnoreCase)
    {
        "PSPath", "PSParentPath", "PSChildName", "PSDrive", "PSProvider", "PSIsContainer",
        "PSComputerName", "PSShowComputerName", "RunspaceId", "PSSourceJobInstanceId",
    };

    /// <summary>
    /// Keep the members PowerShell adds (PSPath, PSDrive, PSProvider, ..., and names starting with
    /// "__") instead of leaving them out. They are left out of objects PowerShell built (a file, a
    /// process, a deserialized object), never out of a hashtable or a PSCustomObject the user made.
    /// </summary>
    public bool KeepPowerShellMembers { get; set; }

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly List<object> _ancestors = [];
    private readonly byte[] _time = new byte[EventTime.EncodedSize];

    /// <summary>
    /// The objects an input stands for: the items of an array or other enumerable (not a string,
    /// dictionary or byte[]), as the pipeline would unroll them, or the input itself.
    /// </summary>
    public static IEnumerable<object?> Unroll(object? input)
    {
        var value = input is PSObject ps ? ps.BaseObject : input;
        if (value is IEnumerable items and not string and not IDictionary and not byte[])
        {
            foreach (var item in items) yield return item;
        }
        else
        {
            yield return input;
        }
    }

    /// <summary>Encodes one object as one event; the bytes stay valid until the next call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is outside what an EventTime holds (1970 to 2106).</exception>
    public ReadOnlyMemory<byte> Encode(object? input, DateTimeOffset? timestamp = null, bool legacy = false)
    {
        _buffer.ResetWrittenCount();
        _ancestors.Clear();
        var envelope = new Envelope();
        var members = TopLevelMembers(input, envelope);
        LastTag = TakeTag ? envelope.Tag ?? TakeTagMember(members) : null;
        var own = envelope.Time() ?? TakeTimestampMember(members, convert: timestamp is null);
        var time = timestamp is { } given ? ToEventTime(given) : own ?? EventTime.Now();

        var writer = new MessagePackWriter(_buffer);
        writer.WriteArrayHeader(2);
        if (!legacy) writer.WriteArrayHeader(2);
        time.WriteTo(_time);
        writer.WriteRaw(_time);
        if (!legacy)
        {
            if (envelope.Metadata is { } metadata) WriteValue(ref writer, metadata, 1);
            else writer.WriteMapHeader(0);
        }
        WriteMembers(ref writer, members, 0);
        writer.Flush();
        _ancestors.Clear();
        return _buffer.WrittenMemory;
    }

    private List<KeyValuePair<string, object?>> TopLevelMembers(object? input, Envelope envelope)
    {
        var ps = input as PSObject;
        var value = ps is null ? input : ps.BaseObject;
        switch (value)
        {
            case IDictionary dictionary:
                _ancestors.Add(dictionary);
                return DictionaryMembers(dictionary);
            case PSCustomObject when ps is not null:
                _ancestors.Add(ps);
                return PropertyMembers(ps, envelope);
            case IEnumerable:
            case var _ when value is null || IsScalar(value):
                return [new(ScalarKey, input)];
            default:
                _ancestors.Add(value);
                return PropertyMembers(ps ?? PSObject.AsPSObject(value), null);
        }
    }

    // A top-level Timestamp date is the record's time, never a body field; with -Timestamp it is only left out.
    private static EventTime? TakeTimestampMember(List<KeyValuePair<string, object?>> members, bool convert)
    {
        int index = members.FindIndex(m => m.Key.Equals(TimestampKey, StringComparison.OrdinalIgnoreCase)
            && Unwrap(m.Value) is DateTime or DateTimeOffset);
        if (index < 0) return null;
        var value = Unwrap(members[index].Value);
        members.RemoveAt(index);
        if (!convert) return null;
        return value switch
        {
            DateTime dateTime => ToEventTime(new DateTimeOffset(dateTime.ToUniversalTime())),
            var other => ToEventTime((DateTimeOffset)other!),
        };
    }

    private static string? TakeTagMember(List<KeyValuePair<string, object?>> members)
    {
        int index = members.FindIndex(m => m.Key.Equals(TagKey, StringComparison.OrdinalIgnoreCase) && Unwrap(m.Value) is string { Length: > 0 });
        if (index < 0) return null;
        var tag = (string)Unwrap(members[index].Value)!;
        members.RemoveAt(index);
        return tag;
    }

    public static EventTime ToEventTime(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTime.UnixEpoch.Ticks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        if (ticks < 0 || seconds > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), value, "a Fluent Bit event time holds 1970-01-01 to 2106-02-07 (UTC) only");
        return new EventTime((uint)seconds, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    private static List<KeyValuePair<string, object?>> DictionaryMembers(IDictionary dictionary)
    {
        var members = new List<KeyValuePair<string, object?>>(dictionary.Count);
        foreach (DictionaryEntry entry in dictionary)
            members.Add(new(Convert.ToString(Unwrap(entry.Key), CultureInfo.InvariantCulture) ?? "", entry.Value));
        return members;
    }

    private List<KeyValuePair<string, object?>> PropertyMembers(PSObject ps, Envelope? envelope)
    {
        var members = new List<KeyValuePair<string, object?>>();
        bool skipAdded = !KeepPowerShellMembers && IsBuiltByPowerShell(ps);
        foreach (var property in ps.Properties)
        {
            if (skipAdded && (PowerShellMembers.Contains(property.Name) || property.Name.StartsWith("__", StringComparison.Ordinal))) continue;
            if (envelope is not null && property is RecordEnvelopeProperty own)
            {
                envelope.Set(own.Field, own.Value);
                continue;
            }
            if (!property.IsGettable) continue;
            object? value;
            try { value = property.Value; }
            catch (Exception) { value = null; } // as ConvertTo-Json: a property whose getter throws is null
            members.Add(new(property.Name, value));
        }
        return members;
    }

    private static bool IsBuiltByPowerShell(PSObject ps) =>
        ps.BaseObject is not PSCustomObject || (ps.TypeNames.Count > 0 && ps.TypeNames[0].StartsWith("Deserialized.", StringComparison.Ordinal));

    private void WriteMembers(ref MessagePackWriter writer, List<KeyValuePair<string, object?>> members, int depth)
    {
        writer.WriteMapHeader(members.Count);
        foreach (var (key, value) in members)
        {
            writer.Write(key);
            WriteValue(ref writer, value, depth + 1);
        }
    }

    private void WriteValue(ref MessagePackWriter writer, object? value, int depth)
    {
        if (value is PSObject ps)
        {
            var inner = ps.BaseObject;
            if (inner is byte[] data && ps.Properties[MsgPackToPSObject.ExtensionTypeProperty]?.Value is { } extType)
            {
                writer.WriteExtensionFormatHeader(new ExtensionHeader(Convert.ToSByte(Unwrap(extType), CultureInfo.InvariantCulture), (uint)data.Length));
                writer.WriteRaw(data);
                return;
            }
            if (inner is PSCustomObject)
            {
                WriteObject(ref writer, ps, ps, depth, MaxDepth);
                return;
            }
            if (inner is not null && !IsScalar(inner) && inner is not IEnumerable)
            {
                WriteObject(ref writer, ps, inner, depth, DefaultObjectDepth);
                return;
            }
            value = inner;
        }

        switch (value)
        {
            case null or DBNull: writer.WriteNil(); break;
            case string text: writer.Write(text); break;
            case char c: writer.Write(c.ToString()); break;
            case bool b: writer.Write(b); break;
            case SwitchParameter s: writer.Write(s.IsPresent); break;
            case byte[] bytes: writer.Write(bytes.AsSpan()); break;
            case sbyte or short or int or long: writer.Write(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case byte or ushort or uint or ulong: writer.Write(Convert.ToUInt64(value, CultureInfo.InvariantCulture)); break;
            case nint n: writer.Write((long)n); break;
            case nuint n: writer.Write((ulong)n); break;
            case float or double or decimal: writer.Write(Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
            case Half h: writer.Write((double)h); break;
            case BigInteger big: WriteBigInteger(ref writer, big); break;
            case DateTime dateTime: writer.Write(dateTime.ToString("o", CultureInfo.InvariantCulture)); break;
            case DateTimeOffset offset: writer.Write(offset.ToString("o", CultureInfo.InvariantCulture)); break;
            case DateOnly date: writer.Write(date.ToString("o", CultureInfo.InvariantCulture)); break;
            case TimeOnly time: writer.Write(time.ToString("o", CultureInfo.InvariantCulture)); break;
            case TimeSpan span: writer.Write(span.ToString("c", CultureInfo.InvariantCulture)); break;
            case Enum e: writer.Write(e.ToString()); break;
            case IDictionary dictionary: WriteDictionary(ref writer, dictionary, depth); break;
            case IEnumerable items: WriteArray(ref writer, items, depth); break;
            case var other when IsScalar(other): writer.Write(SafeToString(other)); break;
            default: WriteObject(ref writer, PSObject.AsPSObject(value), value, depth, DefaultObjectDepth); break;
        }
    }

    private static void WriteBigInteger(ref MessagePackWriter writer, BigInteger value)
    {
        if (value >= long.MinValue && value <= long.MaxValue) writer.Write((long)value);
        else if (value >= 0 && value <= ulong.MaxValue) writer.Write((ulong)value);
        else writer.Write(value.ToString(CultureInfo.InvariantCulture));
    }

    private void WriteDictionary(ref MessagePackWriter writer, IDictionary dictionary, int depth)
    {
        if (!Enter(dictionary, depth, MaxDepth))
        {
            writer.Write(SafeToString(dictionary));
            return;
        }
        WriteMembers(ref writer, DictionaryMembers(dictionary), depth);
        Leave();
    }

    private void WriteArray(ref MessagePackWriter writer, IEnumerable items, int depth)
    {
        if (!Enter(items, depth, MaxDepth))
        {
            writer.Write(SafeToString(items));
            return;
        }
        var list = new List<object?>();
        foreach (var item in items) list.Add(item);
        writer.WriteArrayHeader(list.Count);
        foreach (var item in list) WriteValue(ref writer, item, depth + 1);
        Leave();
    }

    private void WriteObject(ref MessagePackWriter writer, PSObject ps, object identity, int depth, int depthLimit)
    {
        if (!Enter(identity, depth, depthLimit))
        {
            writer.Write(SafeToString(ps));
            return;
        }
        var members = PropertyMembers(ps, null);
        if (members.Count == 0 && ps.BaseObject is not PSCustomObject) writer.Write(SafeToString(ps));
        else WriteMembers(ref writer, members, depth);
        Leave();
    }

    private bool Enter(object identity, int depth, int depthLimit)
    {
        if (depth > depthLimit) return false;
        foreach (var ancestor in _ancestors)
        {
            if (ReferenceEquals(ancestor, identity)) return false;
        }
        _ancestors.Add(identity);
        return true;
    }

    private void Leave() => _ancestors.RemoveAt(_ancestors.Count - 1);

    /// <summary>Values written as their text: numbers and dates are handled before this is asked.</summary>
    private static bool IsScalar(object value) => value is string or char or bool or byte[] or IFormattable or SwitchParameter
        or Uri or Type or MemberInfo or Delegate or ScriptBlock or Regex or SecureString or System.Text.Encoding or CultureInfo or Assembly or DBNull
        || value.GetType().IsPrimitive
        || value.GetType().FullName == "System.Management.Automation.SemanticVersion";

    private static string SafeToString(object value)
    {
        try
        {
            return (value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString()) ?? "";
        }
        catch (Exception)
        {
            return value.GetType().FullName ?? "";
        }
    }

    /// <summary>What a CoreAgent.Record carries besides its body.</summary>
    private sealed class Envelope
    {
        private object? _timestamp;
        private object? _nanoseconds;

        public object? Metadata { get; private set; }

        public string? Tag { get; private set; }

        public void Set(RecordField field, object? value)
        {
            switch (field)
            {
                case RecordField.Tag: Tag = Unwrap(value) is string { Length: > 0 } tag ? tag : null; break;
                case RecordField.Timestamp: _timestamp = Unwrap(value); break;
                case RecordField.TimestampNanoseconds: _nanoseconds = Unwrap(value); break;
                case RecordField.Metadata: Metadata = value; break;
            }
        }

        /// <summary>The record's time, exact to the nanosecond when TimestampNanoseconds still agrees with Timestamp.</summary>
        public EventTime? Time()
        {
            DateTimeOffset? stamp = _timestamp switch
            {
                DateTimeOffset offset => offset,
                DateTime dateTime => new DateTimeOffset(dateTime.ToUniversalTime()),
                _ => null,
            };
            if (stamp is not { } value) return null;
            var time = ToEventTime(value);
            if (_nanoseconds is not null && uint.TryParse(Convert.ToString(_nanoseconds, CultureInfo.InvariantCulture), out uint nanoseconds)
                && nanoseconds < 1_000_000_000 && nanoseconds / 100 == time.Nanoseconds / 100)
                return time with { Nanoseconds = nanoseconds };
            return time;
        }
    }
}
