using System.Buffers;
using System.Text;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Records;
using static CoreAgent.Engine.Tests.Parsers.ParserTestSupport;

namespace CoreAgent.Engine.Tests.Parsers;

public class JsonFormatTests
{
    private static readonly Parser Plain = Create(("Name", "j"), ("Format", "json"));

    [Fact]
    public void Keeps_every_json_type_as_fluent_bit_packs_it()
    {
        var body = Parse(Plain, """{"s":"x","i":-5,"big":18446744073709551615,"huge":123456789012345678901234567890,"f":1.0,"e":1e3,"t":true,"n":null,"a":[1,"b",[]],"o":{"k":{}}}""", out var time);
        Assert.Equal("""{"s":"x","i":-5,"big":18446744073709551615u,"huge":1.2345678901234568E+29d,"f":1d,"e":1000d,"t":true,"n":null,"a":[1,"b",[]],"o":{"k":{}}}""", body);
        Assert.Null(time);
    }

    [Fact]
    public void Writes_compact_msgpack_like_msgpack_c()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(Plain.TryParse("""{"a":1,"b":"xy","c":300}"""u8, buffer, out _));
        Assert.Equal(new byte[] { 0x83, 0xa1, (byte)'a', 0x01, 0xa1, (byte)'b', 0xa2, (byte)'x', (byte)'y', 0xa1, (byte)'c', 0xcd, 0x01, 0x2c }, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Unescapes_strings_and_keys()
    {
        Assert.Equal("{\"k\u00e9\":\"a\"b\\\u00e9\u0001\"}", Parse(Plain, """{"k\u00e9":"a\"b\\\u00e9\u0001"}""", out _));
    }

    [Theory]
    [InlineData("""{"a":""")]
    [InlineData("""[1,2]""")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("""{"a":1}{"b":2}""")]
    [InlineData("""{"a":1} 5""")]
    [InlineData("""{'a':1}""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":NaN}""")]
    [InlineData("not json at all")]
    public void Text_that_is_not_one_object_does_not_parse(string line) =>
        Assert.Null(Parse(Plain, line, out _));

    [Fact]
    public void Junk_after_the_object_is_ignored_as_fluent_bit_does() =>
        Assert.Equal("""{"a":1}""", Parse(Plain, """  {"a":1}  trailing junk""", out _));

    [Fact]
    public void Invalid_utf8_is_replaced()
    {
        byte[] line = [.. "{\"a\":\""u8, 0xff, 0xc3, (byte)'x', .. "\"}"u8];
        Assert.Equal("{\"a\":\"\ufffd\ufffdx\"}", Parse(Plain, line, out _));
    }

    [Fact]
    public void A_huge_line_parses()
    {
        var big = new string('x', 5_000_000);
        var body = Parse(Plain, $$"""{"log":"{{big}}","n":1}""", out _);
        Assert.Equal($$"""{"log":"{{big}}","n":1}""", body);
    }

    [Fact]
    public void Deep_nesting_beyond_the_limit_fails_without_crashing()
    {
        Assert.NotNull(Parse(Plain, "{\"a\":" + new string('[', 500) + new string(']', 500) + "}", out _));
        Assert.Null(Parse(Plain, "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}", out _));
    }

    [Fact]
    public void Time_key_that_is_not_a_string_is_left_alone()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "ts"), ("Time_Format", "%s"));
        Assert.Equal("""{"ts":12,"a":1}""", Parse(parser, """{"ts":12,"a":1}""", out var time));
        Assert.Null(time);
        Assert.Equal("""{"a":1}""", Parse(parser, """{"ts":"1577934245","a":1}""", out time));
        Assert.Equal(new EventTime(1577934245, 0), time);
    }

    [Fact]
    public void Only_the_first_time_key_counts()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "t"), ("Time_Format", "%s"));
        Assert.Equal("""{"a":{"t":"5"},"t":"7"}""", Parse(parser, """{"t":"1577934245","a":{"t":"5"},"t":"7"}""", out var time));
        Assert.Equal(new EventTime(1577934245, 0), time);
    }

    [Fact]
    public void Escaped_time_value_is_unescaped_before_parsing()
    {
        var parser = Create(("Name", "j"), ("Format", "json"), ("Time_Key", "t"), ("Time_Format", "%Y-%m-%d"));
        Parse(parser, """{"t":"2020\u002d01-02"}""", out var time);
        Assert.Equal(new EventTime(1577923200, 0), time);
    }

    [Fact]
    public void Is_thread_safe()
    {
        var parser = Create(StandardParsers.Docker);
        Parallel.For(0, 8, i =>
        {
            for (int n = 0; n < 2000; n++)
            {
                var body = Parse(parser, $$"""{"log":"line {{i}} {{n}}","nested":[{"k":{{n}}}],"time":"2019-08-16T18:43:59.5"}""", out var time);
                Assert.Equal($$"""{"log":"line {{i}} {{n}}","nested":[{"k":{{n}}}],"time":"2019-08-16T18:43:59.5"}""", body);
                Assert.Equal(new EventTime(1565981039, 500_000_000), time);
            }
        });
    }
}

public class TypesAndTextFormatTests
{
    [Fact]
    public void Types_cast_as_fluent_bit_does()
    {
        var parser = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"^(?<i>\S*) (?<f>\S*) (?<b>\S*) (?<h>\S*) (?<s>\S*) (?<n>\S*)$"),
            ("Types", "i:integer f:float b:bool h:hex s:string n:integer"));
        Assert.Equal("""{"i":-42,"f":2.5d,"b":true,"h":255,"s":"7","n":12}""", Parse(parser, "-42xyz 2.5e0 TRUEISH 0xff 7 12.9", out _));
        Assert.Equal("""{"i":0,"f":0d,"b":"maybe","h":0,"s":"x","n":9223372036854775807}""", Parse(parser, "abc z maybe zz x 99999999999999999999", out _));
        Assert.Equal("""{"i":0,"f":0d,"b":false,"h":18446744073709551615u,"s":"x","n":0}""", Parse(parser, "- . False -1 x -", out _));
    }

    [Fact]
    public void Skip_empty_values_off_keeps_empty_and_missing_groups()
    {
        var parser = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"^(?<a>x*)(?<b>y)?$"), ("Skip_Empty_Values", "off"));
        Assert.Equal("""{"a":"","b":""}""", Parse(parser, "", out _));
        var skipping = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"^(?<a>x*)(?<b>y)?$"));
        Assert.Equal("""{"a":"x"}""", Parse(skipping, "x", out _));
        Assert.Equal("{}", Parse(skipping, "", out _)); // a took part (empty): parsed, nothing to show
    }

    [Fact]
    public void Regex_that_does_not_match_or_takes_no_group_does_not_parse()
    {
        var parser = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"^(?<a>\d+)$"));
        Assert.Null(Parse(parser, "abc", out _));
        var optional = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"(?<a>\d+)?z"));
        Assert.Null(Parse(optional, "z", out _));
    }

    [Fact]
    public void Regex_keeps_bytes_of_lines_that_are_not_utf8()
    {
        var parser = Create(("Name", "r"), ("Format", "regex"), ("Regex", @"^(?<a>[^ ]+) (?<b>.+)$"));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(parser.TryParse([0xff, 0xfe, (byte)' ', (byte)'h', 0xe9], buffer, out _));
        Assert.Equal(new byte[] { 0x82, 0xa1, (byte)'a', 0xa2, 0xff, 0xfe, 0xa1, (byte)'b', 0xa2, (byte)'h', 0xe9 }, buffer.WrittenSpan.ToArray());
        Assert.Equal("""{"a":"é","b":"ü x"}""", Parse(parser, "é ü x", out _));
    }

    [Fact]
    public void Regex_that_backtracks_forever_times_out_as_no_match()
    {
        var problems = new List<ParserProblem>();
        var parser = ParserFactory.Create(ParserDefinition.Of(("Name", "evil"), ("Format", "regex"), ("Regex", @"^(?<a>(x+x+)+)y$")), problems,
            regexTimeout: TimeSpan.FromMilliseconds(200))!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(Parse(parser, new string('x', 5000), out _));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Ltsv_fields_time_and_types()
    {
        var parser = Create(("Name", "l"), ("Format", "ltsv"), ("Time_Key", "time"), ("Time_Format", "[%d/%b/%Y:%H:%M:%S %z]"), ("Types", "size:integer"));
        var body = Parse(parser, "host:127.0.0.1\tident:-\ttime:[10/Oct/2000:13:55:36 -0700]\tsize:2326\tempty:\n:x\tafter:newline", out var time);
        Assert.Equal("""{"host":"127.0.0.1","ident":"-","size":2326,"empty":""}""", body);
        Assert.Equal(new EventTime(971211336, 0), time);
        Assert.Null(Parse(parser, "time:[bad]\ta:b", out _)); // a bad time fails the line in ltsv
        Assert.Null(Parse(parser, "no label here", out _));
    }

    [Fact]
    public void Logfmt_time_and_no_bare_keys()
    {
        var parser = Create(("Name", "l"), ("Format", "logfmt"), ("Time_Key", "ts"), ("Time_Format", "%s"), ("Time_Keep", "on"));
        Assert.Equal("""{"ts":"1577934245","a":"1"}""", Parse(parser, "ts=1577934245 a=1", out var time));
        Assert.Equal(new EventTime(1577934245, 0), time);
        Assert.Null(Parse(parser, "ts=abc a=1", out _));
        var strict = Create(("Name", "l"), ("Format", "logfmt"), ("Logfmt_No_Bare_Keys", "true"));
        Assert.Null(Parse(strict, "a=1 bare", out _));
        Assert.Equal("""{"a":"1","b":true}""", Parse(strict, "a=1 b=", out _)); // "b=" is a value, empty: true
        Assert.Null(Parse(strict, "   ", out _));
    }
}

public class ParserDefinitionTests
{
    [Theory]
    [InlineData("format", "xml", "Invalid format xml")]
    [InlineData("regex", "(?<a>x", "Invalid regex pattern")]
    [InlineData("regex", @"(?<a>\X)", @"\X (extended grapheme cluster)")]
    [InlineData("regex", @"(?<a>(?~ab))", "absence operator")]
    [InlineData("time_offset", "0900", "invalid time_offset")]
    [InlineData("time_zone", "Not/AZone", "invalid or unavailable time_zone")]
    public void Bad_definitions_are_errors_that_name_the_parser(string key, string value, string expected)
    {
        var properties = new List<(string, string)> { ("Name", "bad"), ("Format", "regex"), ("Regex", "(?<a>x)"), ("Time_Format", "%H") };
        properties.RemoveAll(p => p.Item1.Equals(key, StringComparison.OrdinalIgnoreCase));
        properties.Add((key, value));
        var problems = Problems([.. properties]);
        var error = Assert.Single(problems, p => p.IsError);
        Assert.Contains("[parser:bad]", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(key, error.Key, ignoreCase: true);
    }

    [Fact]
    public void Missing_name_format_and_regex_are_errors()
    {
        Assert.Contains(Problems(("Format", "json")), p => p.IsError && p.Message.Contains("no parser 'name'"));
        Assert.Contains(Problems(("Name", "x")), p => p.IsError && p.Message.Contains("no parser 'format'"));
        Assert.Contains(Problems(("Name", "x"), ("Format", "regex")), p => p.IsError && p.Message.Contains("no parser 'regex'"));
    }

    [Fact]
    public void Questionable_settings_are_warnings()
    {
        var problems = Problems(("Name", "x"), ("Format", "json"), ("Types", "a:integer b c:weird"), ("Decode_Field_As", "json log"), ("Colour", "red"));
        Assert.All(problems, p => Assert.False(p.IsError));
        Assert.Contains(problems, p => p.Message.Contains("'b' has no ':type'"));
        Assert.Contains(problems, p => p.Message.Contains("unknown type 'weird'"));
        Assert.Contains(problems, p => p.Message.Contains("Types has no effect on a json parser"));
        Assert.Contains(problems, p => p.Message.Contains("Decode_Field_As is not implemented"));
        Assert.Contains(problems, p => p.Message.Contains("unknown key 'Colour'"));
    }

    [Fact]
    public void Registry_refuses_a_repeated_name_and_finds_by_exact_name()
    {
        var problems = new List<ParserProblem>();
        var registry = ParserRegistry.Create([ParserDefinition.Of(("Name", "a"), ("Format", "json")), ParserDefinition.Of(("Name", "a"), ("Format", "logfmt"))], null, problems);
        Assert.Contains(problems, p => p.IsError && p.Message.Contains("parser named 'a' already exists"));
        Assert.Equal(ParserFormat.Json, registry.Find("a")!.Format);
        Assert.Null(registry.Find("A"));
    }
}
