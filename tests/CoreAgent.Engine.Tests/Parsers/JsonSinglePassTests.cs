using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Records;
using MessagePack;
using static CoreAgent.Engine.Tests.Parsers.ParserTestSupport;

namespace CoreAgent.Engine.Tests.Parsers;

/// <summary>
/// The json parser writes in one pass with placeholder headers made compact at the end: these
/// check the bytes against an independent encoder (JsonDocument walked into MessagePackWriter) and
/// the edges the placeholders and the removed time member touch.
/// </summary>
public class JsonSinglePassTests
{
    private static readonly Parser Plain = Create(("Name", "j"), ("Format", "json"));

    private static byte[] Bytes(Parser parser, string json, int extraPairs = 0)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(parser.TryParse(Encoding.UTF8.GetBytes(json), buffer, extraPairs, out _), json);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The reference: msgpack as MessagePack-CSharp writes it from a JsonDocument.</summary>
    private static byte[] Reference(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, document.RootElement);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ref MessagePackWriter writer, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteMapHeader(e.EnumerateObject().Count());
                foreach (var p in e.EnumerateObject())
                {
                    writer.Write(p.Name);
                    Write(ref writer, p.Value);
                }
                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(e.GetArrayLength());
                foreach (var item in e.EnumerateArray()) Write(ref writer, item);
                break;
            case JsonValueKind.String: writer.Write(e.GetString()); break;
            case JsonValueKind.Number:
                string raw = e.GetRawText();
                if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && e.TryGetInt64(out long l)) writer.Write(l);
                else if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && !raw.StartsWith('-') && e.TryGetUInt64(out ulong u)) writer.Write(u);
                else writer.Write(double.Parse(raw, CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True: writer.Write(true); break;
            case JsonValueKind.False: writer.Write(false); break;
            default: writer.WriteNil(); break;
        }
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"a":[],"b":{},"c":[[[]]],"d":[{}]}""")]
    [InlineData("""{"i":[0,127,128,255,256,65535,65536,4294967295,4294967296,9223372036854775807,18446744073709551615]}""")]
    [InlineData("""{"n":[-1,-32,-33,-128,-129,-32768,-32769,-2147483648,-2147483649,-9223372036854775808]}""")]
    [InlineData("""{"f":[0.0,-0.5,1e3,1E-3,2.5e+10,123456789012345678901234567890,-1e308]}""")]
    [InlineData("""{"s":["","a","\u00e9\u4e2d\ud83d\ude00","tab\there","\"q\"","back\\slash","\/"]}""")]
    [InlineData("""{"t":true,"f":false,"n":null,"nested":{"k":{"k2":[1,{"x":"y"}]}}}""")]
    public void Writes_the_same_bytes_as_an_independent_encoder(string json) =>
        Assert.Equal(Reference(json), Bytes(Plain, json));

    [Theory]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Container_headers_are_compact_at_every_size_boundary(int members)
    {
        string map = "{" + string.Join(",", Enumerable.Range(0, members).Select(i => $"\"k{i}\":{i % 3}")) + "}";
        string array = "{\"a\":[" + string.Join(",", Enumerable.Range(0, members).Select(i => (i % 100).ToString(CultureInfo.InvariantCulture))) + "]}";
        Assert.Equal(Reference(map), Bytes(Plain, map));
        Assert.Equal(Reference(array), Bytes(Plain, array));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Escaped_strings_get_the_header_of_their_unescaped_length(int length)
    {
        // Each \u00e9 is 6 bytes escaped and 2 unescaped: the raw length needs a larger header than the result.
        string escaped = string.Concat(Enumerable.Repeat("\\u00e9", length / 2)) + (length % 2 == 1 ? "x" : "");
        string json = $"{{\"{escaped}\":\"{escaped}\"}}";
        byte[] bytes = Bytes(Plain, json);
        Assert.Equal(Reference(json), bytes);
    }

    [Fact]
    public void The_removed_time_member_leaves_a_compact_root_header()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "time"), ("Time_Format", "%s"));
        // 16 members with the time: 15 without it, a fixmap; the time sits between nested containers.
        string members = string.Join(",", Enumerable.Range(0, 14).Select(i => $"\"k{i}\":[{i}]"));
        string json = $"{{\"first\":{{\"a\":1}},\"time\":\"1577934245\",{members}}}";
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(parser.TryParse(Encoding.UTF8.GetBytes(json), buffer, out var time));
        Assert.Equal(new EventTime(1577934245, 0), time);
        Assert.Equal(Reference($"{{\"first\":{{\"a\":1}},{members}}}"), buffer.WrittenSpan.ToArray());
        Assert.Equal(0x8f, buffer.WrittenSpan[0]);
    }

    [Fact]
    public void A_time_that_does_not_parse_keeps_its_member()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "time"), ("Time_Format", "%s"));
        Assert.Equal("""{"a":[1],"time":"soon","b":2}""", Parse(parser, """{"a":[1],"time":"soon","b":2}""", out var time));
        Assert.Null(time);
    }

    [Fact]
    public void Extra_root_pairs_are_counted_in_the_root_header_only()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "time"), ("Time_Format", "%s"));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(parser.TryParse("""{"o":{"x":1},"time":"1577934245","a":[2]}"""u8, buffer, 2, out _));
        // The caller appends its two pairs after the body.
        var writer = new MessagePackWriter(buffer);
        writer.Write("path");
        writer.Write("/var/log/a.log");
        writer.Write("offset");
        writer.Write(42);
        writer.Flush();
        Assert.Equal("""{"o":{"x":1},"a":[2],"path":"/var/log/a.log","offset":42}""", Show(buffer.WrittenMemory));
    }

    [Fact]
    public void Extra_root_pairs_work_for_the_other_formats_too()
    {
        var parser = Create(("Name", "l"), ("Format", "logfmt"));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(parser.TryParse("a=1 b=x"u8, buffer, 1, out _));
        var writer = new MessagePackWriter(buffer);
        writer.Write("offset");
        writer.Write(7);
        writer.Flush();
        Assert.Equal("""{"a":"1","b":"x","offset":7}""", Show(buffer.WrittenMemory));
    }

    [Theory]
    [InlineData("""{"a":"\ud800"}""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""{"a":"\x"}""")]
    [InlineData("""{"a":[1,2}""")]
    [InlineData("""{"a":{"b":1]}""")]
    public void Bad_escapes_and_mismatched_brackets_write_nothing(string json)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.False(Plain.TryParse(Encoding.UTF8.GetBytes(json), buffer, 2, out var time));
        Assert.Equal(0, buffer.WrittenCount);
        Assert.Null(time);
    }

    [Fact]
    public void A_line_after_a_failed_one_is_not_polluted_by_it()
    {
        Assert.Null(Parse(Plain, """{"a":[1,{"b":"\ud800"}]}""", out _));
        Assert.Equal("""{"c":[3]}""", Parse(Plain, """{"c":[3]}""", out _));
        var big = new string('y', 3_000_000);
        Assert.Equal($$"""{"log":"{{big}}"}""", Parse(Plain, $$"""{"log":"{{big}}"}""", out _));
        Assert.Equal("""{"d":4}""", Parse(Plain, """{"d":4}""", out _));
    }
}
