using System.Buffers;
using System.Globalization;
using System.Management.Automation;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Commands.Records;

/// <summary>
/// Turns msgpack events into PowerShell objects (type name CoreAgent.Record), on the cmdlet's thread.
/// The body fields become note properties in their order: maps are nested PSObjects, arrays
/// object[], str string, bin byte[], integers long (ulong above long.MaxValue), floats double, bool,
/// nil $null, and an ext value its data as byte[] with a <see cref="ExtensionTypeProperty"/> note
/// holding the ext type, so it converts back to the same ext. Then come the record's own
/// properties: Tag, Timestamp (DateTimeOffset, UTC, 100 ns precision), TimestampNanoseconds (the
/// exact nanoseconds within the second) and Metadata (a PSObject of the v2 metadata map).
/// <para>
/// Property names are case-insensitive in PowerShell. A body field named Tag, Timestamp,
/// TimestampNanoseconds or Metadata (in any case) wins under its own name, and the record's own
/// value moves to the name with an underscore in front (_Tag, _Timestamp, ...; more underscores if
/// that is taken too). A key repeated exactly keeps its last value (as Fluent Bit's JSON does); a key
/// that differs from an earlier one only in case, or that is the name of a member every PSObject has
/// (PSObject, PSBase, PSAdapted, PSExtended, PSTypeNames), gets an underscore in front the same way.
/// An empty key is named "_".
/// </para>
/// </summary>
internal static class MsgPackToPSObject
{
    public const string RecordTypeName = "CoreAgent.Record";

    /// <summary>The note on an ext value's byte[] that holds its msgpack ext type.</summary>
    public const string ExtensionTypeProperty = "MsgPackExtensionType";

    // Deeper nesting than this is refused rather than risk the stack: no real record comes close.
    private const int MaxNesting = 1000;

    // Every PSObject has these members; a note property of the same name would hide them.
    private static readonly string[] IntrinsicMembers = ["PSObject", "PSBase", "PSAdapted", "PSExtended", "PSTypeNames"];

    public static PSObject ToRecord(in EventSlice e, string? tag)
    {
        var record = new PSObject();
        record.TypeNames.Insert(0, RecordTypeName);
        var names = NewNames();
        var body = new MessagePackReader(e.Body);
        ReadMembers(record, ref body, names, 0);

        var metadataReader = new MessagePackReader(e.Metadata);
        var metadata = new PSObject();
        ReadMembers(metadata, ref metadataReader, NewNames(), 0);

        AddEnvelope(record, names, RecordField.Tag, tag);
        AddEnvelope(record, names, RecordField.Timestamp, e.Time.ToDateTimeOffset());
        AddEnvelope(record, names, RecordField.TimestampNanoseconds, e.Time.Nanoseconds);
        AddEnvelope(record, names, RecordField.Metadata, metadata);
        return record;
    }

    /// <summary>A dead letter: the record plus the output that rejected it and why.</summary>
    public static PSObject ToRejectedRecord(in EventSlice e, string tag, string output, string reason)
    {
        var record = ToRecord(e, tag);
        record.TypeNames.Insert(0, RejectedTypeName);
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in record.Properties) names[property.Name] = property.Name;
        AddEnvelope(record, names, RecordField.Output, output);
        AddEnvelope(record, names, RecordField.Reason, reason);
        return record;
    }

    public const string RejectedTypeName = "CoreAgent.RejectedRecord";

    private static Dictionary<string, string> NewNames()
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in IntrinsicMembers) names[name] = "";
        return names;
    }

    private static void AddEnvelope(PSObject record, Dictionary<string, string> names, RecordField field, object? value)
    {
        string name = FreeName(field.ToString(), names);
        names[name] = name;
        record.Properties.Add(new RecordEnvelopeProperty(name, value, field), preValidated: true);
    }

    private static string FreeName(string wanted, Dictionary<string, string> names)
    {
        string name = wanted;
        while (name.Length == 0 || names.ContainsKey(name)) name = "_" + name;
        return name;
    }

    private static void ReadMembers(PSObject target, ref MessagePackReader reader, Dictionary<string, string> names, int depth)
    {
        int pairs = reader.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            string key = ReadKey(ref reader, depth);
            object? value = ReadValue(ref reader, depth + 1);
            if (names.TryGetValue(key, out var existing) && existing == key)
            {
                target.Properties[key].Value = value; // the same key again: the last value wins
                continue;
            }
            string name = FreeName(key, names);
            names[name] = name;
            target.Properties.Add(new PSNoteProperty(name, value), preValidated: true);
        }
    }

    private static string ReadKey(ref MessagePackReader reader, int depth) =>
        reader.NextMessagePackType == MessagePackType.String
            ? reader.ReadString() ?? ""
            : Convert.ToString(ReadValue(ref reader, depth + 1), CultureInfo.InvariantCulture) ?? "";

    private static object? ReadValue(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxNesting) throw new FormatException($"a value is nested more than {MaxNesting} levels deep");
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                if (reader.NextCode != MessagePackCode.UInt64) return reader.ReadInt64();
                ulong unsigned = reader.ReadUInt64();
                return unsigned > long.MaxValue ? unsigned : (long)unsigned;
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Binary:
                return reader.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
                var items = new object?[reader.ReadArrayHeader()];
                for (int i = 0; i < items.Length; i++) items[i] = ReadValue(ref reader, depth + 1);
                return items;
            case MessagePackType.Map:
                var map = new PSObject();
                ReadMembers(map, ref reader, NewNames(), depth);
                return map;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                var data = new PSObject(reader.ReadRaw(header.Length).ToArray());
                data.Properties.Add(new PSNoteProperty(ExtensionTypeProperty, header.TypeCode));
                return data;
            default:
                throw new FormatException($"msgpack code 0x{reader.NextCode:x2} is not a value");
        }
    }
}
