using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests.Support;

/// <summary>Builds chunks from JSON bodies and reads the bodies back as JSON, for filter tests.</summary>
public static class FilterEvents
{
    public static readonly EventTime Time = new(1795639451, 784245484);

    public static byte[] Encode(params string[] jsonBodies)
    {
        var bytes = new List<byte>();
        foreach (var body in jsonBodies.SelectMany(JsonToMsgPack.ConvertAll))
        {
            var one = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            EventEncoder.Write(one, Time, EventEncoder.EmptyMap, body);
            bytes.AddRange(one);
        }
        return [.. bytes];
    }

    public static Chunk ChunkOf(string tag, params string[] jsonBodies)
    {
        var events = Encode(jsonBodies);
        return Chunk.FromBytes(tag, events, EventReader.ReadAll(events).Count);
    }

    /// <summary>Each event's body as compact JSON, in order.</summary>
    public static string[] Bodies(ReadOnlyMemory<byte> events) =>
        [.. EventReader.ReadAll(events).Select(e => MessagePackSerializer.ConvertToJson(e.Body))];
}
