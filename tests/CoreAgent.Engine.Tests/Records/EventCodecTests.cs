using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests.Records;

public class EventCodecTests
{
    [Fact]
    public void Encoder_writes_the_v2_event_shape_byte_for_byte()
    {
        var body = JsonToMsgPack.ConvertAll("""{"a":1}""")[0];
        var buffer = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
        int written = EventEncoder.Write(buffer, new EventTime(0x01020304, 0x05060708), EventEncoder.EmptyMap, body);

        byte[] expected = [0x92, 0x92, 0xd7, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0x81, 0xa1, (byte)'a', 0x01];
        Assert.Equal(expected, buffer[..written]);
    }

    [Fact]
    public void Reader_returns_time_metadata_and_body_of_each_event()
    {
        var meta = JsonToMsgPack.ConvertAll("""{"m":"v"}""")[0];
        var bodies = JsonToMsgPack.ConvertAll("""{"n":1}{"n":2}""");
        var bytes = new List<byte>();
        foreach (var body in bodies)
        {
            var one = new byte[EventEncoder.SizeOf(meta, body)];
            EventEncoder.Write(one, new EventTime(1795639451, 784245484), meta, body);
            bytes.AddRange(one);
        }

        var events = EventReader.ReadAll(bytes.ToArray());

        Assert.Equal(2, events.Count);
        Assert.Equal(new EventTime(1795639451, 784245484), events[0].Time);
        Assert.Equal(meta, events[1].Metadata.ToArray());
        Assert.Equal(bodies[1], events[1].Body.ToArray());
        Assert.Equal("1795639451.784245484", events[0].Time.ToString());
    }

    [Fact]
    public void Reader_accepts_the_legacy_shapes()
    {
        var body = JsonToMsgPack.ConvertAll("""{"k":"v"}""")[0];
        var withUnsignedSeconds = new byte[] { 0x92, 0xce, 0x6b, 0x06, 0x6b, 0x9b }.Concat(body).ToArray();
        var withEventTime = new byte[] { 0x92, 0xd7, 0x00, 0, 0, 0, 9, 0, 0, 0, 8 }.Concat(body).ToArray();

        var events = EventReader.ReadAll(withUnsignedSeconds.Concat(withEventTime).ToArray());

        Assert.Equal(new EventTime(0x6b066b9b, 0), events[0].Time);
        Assert.Equal(new EventTime(9, 8), events[1].Time);
        Assert.Equal(body, events[1].Body.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x92, 0xd0, 0x05, 0x80 }, "signed")]          // int8 timestamp
    [InlineData(new byte[] { 0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 }, "type Float")]
    [InlineData(new byte[] { 0x92, 0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0x01 }, "body")] // body is not a map
    [InlineData(new byte[] { 0x93, 0x01, 0x02, 0x03 }, "2-element")]
    [InlineData(new byte[] { 0x92, 0xd7, 0x00, 0, 0 }, "truncated")]
    public void Reader_rejects_what_the_Go_decoder_rejects(byte[] bytes, string reason)
    {
        var error = Assert.Throws<FormatException>(() => EventReader.ReadAll(bytes));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Json_conversion_keeps_integer_and_float_types_and_several_values()
    {
        var values = JsonToMsgPack.ConvertAll("""{"i":-3,"u":18446744073709551615,"f":1.5,"s":"x","b":true,"z":null,"a":[1,"x"]} {"second":1}""");

        Assert.Equal(2, values.Count);
        var first = MessagePackSerializer.Deserialize<Dictionary<string, object?>>(values[0]);
        Assert.Equal(-3L, Convert.ToInt64(first["i"]));
        Assert.Equal(ulong.MaxValue, first["u"]);
        Assert.Equal(1.5, first["f"]);
        Assert.Null(first["z"]);
        Assert.Equal(new object[] { (byte)1, "x" }, (object[])first["a"]!);
    }

    [Fact]
    public void EventTime_converts_from_DateTime_with_100ns_precision()
    {
        var time = EventTime.FromDateTime(new DateTime(2026, 11, 25, 20, 44, 21, DateTimeKind.Utc).AddTicks(7842331));
        Assert.Equal(new EventTime(1795639461, 784233100), time);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 20, 44, 21, TimeSpan.Zero).AddTicks(7842331), time.ToDateTimeOffset());
    }
}
