using System.Buffers;
using System.Text;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Parsers.Multiline;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Tests.Parsers;

public class MultilineTests
{
    private sealed class Sink
    {
        public readonly List<(EventTime Time, string Metadata, string Body)> Records = [];

        public void Emit(EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body) =>
            Records.Add((time, ParserTestSupport.Show(metadata.ToArray()), ParserTestSupport.Show(body.ToArray())));

        public string[] Bodies => [.. Records.Select(r => r.Body)];
    }

    private static readonly EventTime Now = new(1700000000, 0);

    private static (MultilineStream Stream, Sink Sink) Stream(string parsers, MultilineRegistry? registry = null)
    {
        var sink = new Sink();
        var stream = new MultilineStream((registry ?? MultilineRegistry.Empty).Resolve(parsers), sink.Emit);
        return (stream, sink);
    }

    private static void Lines(MultilineStream stream, params string[] lines)
    {
        foreach (var line in lines) stream.AppendText(Encoding.UTF8.GetBytes(line), Now);
    }

    [Fact]
    public void Docker_joins_partial_logs_per_stream_until_a_newline()
    {
        var (stream, sink) = Stream("docker");
        Lines(stream,
            """{"log":"one, ","stream":"stdout","time":"2021-02-01T01:40:03.53413Z"}""",
            """{"log":"err\n","stream":"stderr","time":"2021-02-01T01:40:03.6Z"}""",
            """{"log":"two, ","stream":"stdout","time":"2021-02-01T01:40:03.53414Z"}""",
            """{"log":"three\n","stream":"stdout","time":"2021-02-01T01:40:03.53415Z"}""");
        Assert.Equal(
        [
            "{\"log\":\"err\n\",\"stream\":\"stderr\",\"time\":\"2021-02-01T01:40:03.6Z\"}",
            "{\"log\":\"one, two, three\n\",\"stream\":\"stdout\",\"time\":\"2021-02-01T01:40:03.53413Z\"}",
        ], sink.Bodies);
        Assert.Equal(new EventTime(1612143603, 534130000), sink.Records[1].Time);
    }

    [Fact]
    public void Docker_sends_a_line_that_is_not_json_alone()
    {
        var (stream, sink) = Stream("docker");
        Lines(stream, """{"log":"part ","stream":"stdout","time":"2021-02-01T01:40:03Z"}""", "not json");
        Assert.Equal(["{\"log\":\"part \",\"stream\":\"stdout\",\"time\":\"2021-02-01T01:40:03Z\"}", """{"log":"not json"}"""], sink.Bodies);
        Assert.Equal(Now, sink.Records[1].Time);
    }

    [Fact]
    public void Cri_joins_partial_lines_and_keeps_the_first_lines_fields()
    {
        var (stream, sink) = Stream("docker, cri");
        Lines(stream,
            "2019-05-07T18:57:50.904275087+00:00 stdout P partial one ",
            "2019-05-07T18:57:51.000000000+00:00 stdout F and final",
            "2019-05-07T18:57:52.5+02:00 stderr F single");
        Assert.Equal(
        [
            """{"time":"2019-05-07T18:57:50.904275087+00:00","stream":"stdout","_p":"P","log":"partial one and final"}""",
            """{"time":"2019-05-07T18:57:52.5+02:00","stream":"stderr","_p":"F","log":"single"}""",
        ], sink.Bodies);
        Assert.Equal(new EventTime(1557255470, 904275087), sink.Records[0].Time);
        Assert.Equal(new EventTime(1557255472 - 7200, 500_000_000), sink.Records[1].Time);
    }

    [Fact]
    public void Java_stack_trace_becomes_one_record_and_a_plain_line_goes_alone()
    {
        var (stream, sink) = Stream("java");
        Lines(stream,
            "Exception in thread \"main\" java.lang.IllegalStateException: boom",
            "\tat com.example.A.run(A.java:10)",
            "Caused by: java.io.IOException: disk",
            "\t... 3 more",
            "a normal line");
        Assert.Equal(
        [
            "{\"log\":\"Exception in thread \"main\" java.lang.IllegalStateException: boom\n\tat com.example.A.run(A.java:10)\nCaused by: java.io.IOException: disk\n\t... 3 more\n\"}",
            "{\"log\":\"a normal line\n\"}",
        ], sink.Bodies);
    }

    [Fact]
    public void Python_traceback_ends_at_the_exception_line()
    {
        var (stream, sink) = Stream("python");
        Lines(stream,
            "Traceback (most recent call last):",
            "  File \"app.py\", line 3, in <module>",
            "    main()",
            "NameError: name 'main' is not defined");
        Assert.Equal(["{\"log\":\"Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    main()\nNameError: name 'main' is not defined\n\"}"], sink.Bodies);
    }

    [Fact]
    public void Go_panic()
    {
        var (stream, sink) = Stream("go");
        Lines(stream,
            "panic: oh no",
            "",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/app/main.go:5 +0x25",
            "exit status 2");
        Assert.Equal(["{\"log\":\"panic: oh no\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x25\n\"}", "{\"log\":\"exit status 2\n\"}"], sink.Bodies);
    }

    private static MultilineRegistry Custom(List<ParserProblem> problems, params (string, string)[] properties) =>
        MultilineRegistry.Create([ParserDefinition.Of(properties)], new ParserRegistry(), null, problems);

    [Fact]
    public void Custom_regex_rules_and_the_flush_timeout()
    {
        var problems = new List<ParserProblem>();
        var registry = Custom(problems, ("name", "exception_test"), ("type", "regex"), ("flush_timeout", "50"),
            ("rule", "\"start_state\"  \"/(Dec \\d+ \\d+\\:\\d+\\:\\d+)(.*)/\" \"cont\""),
            ("rule", "\"cont\" \"/^\\s+at.*/\" \"cont\""));
        Assert.Empty(problems);
        var (stream, sink) = Stream("exception_test", registry);
        Assert.Equal(TimeSpan.FromMilliseconds(50), stream.FlushTimeout);
        Lines(stream, "Dec 14 06:41:08 Exception in thread", "    at com.myproject.module.MyProject.badMethod(MyProject.java:22)");
        stream.FlushExpired();
        Assert.Empty(sink.Records); // not idle long enough yet
        Thread.Sleep(120);
        stream.FlushExpired();
        Assert.Equal(["{\"log\":\"Dec 14 06:41:08 Exception in thread\n    at com.myproject.module.MyProject.badMethod(MyProject.java:22)\n\"}"], sink.Bodies);
        Lines(stream, "Dec 14 06:41:09 next", "Dec 14 06:41:10 another");
        Assert.Equal(2, sink.Records.Count); // a new start flushes the previous record
        stream.FlushAll();
        Assert.Equal(3, sink.Records.Count);
    }

    [Fact]
    public void Endswith_with_key_content_on_records_and_truncation_flag()
    {
        var problems = new List<ParserProblem>();
        var registry = Custom(problems, ("name", "bs"), ("type", "endswith"), ("match_string", "\\"), ("negate", "true"), ("key_content", "msg"));
        Assert.Empty(problems);
        var (stream, sink) = Stream("bs", registry);
        foreach (var body in new[] { """{"msg":"a \\","n":1}""", """{"msg":"b \\","n":2}""", """{"msg":"c","n":3}""" })
            stream.AppendRecord(JsonToMsgPack.ConvertAll(body)[0], Now, [0x81, 0xa1, (byte)'m', 0x01]);
        Assert.Equal(["""{"msg":"a \b \c","n":1}"""], sink.Bodies);
        Assert.Equal("""{"m":1}""", sink.Records[0].Metadata);

        var small = new Sink();
        var limited = new MultilineStream(MultilineRegistry.Empty.Resolve("python"), small.Emit, bufferLimit: 40);
        foreach (var line in new[] { "Traceback (most recent call last):", "  File \"a-very-long-file-name.py\", line 1", "Error: x" })
            limited.AppendText(Encoding.UTF8.GetBytes(line), Now);
        limited.FlushAll();
        Assert.Contains(small.Records, r => r.Metadata == """{"multiline_truncated":true}""");
    }

    [Theory]
    [InlineData("type", "fancy", "invalid type 'fancy'")]
    [InlineData("rule", "\"cont\" \"/x/\" \"cont\"", "the first rule must start from 'start_state'")]
    [InlineData("rule", "\"start_state\" \"/x/\" \"nowhere\"", "to_state='nowhere' is not registered")]
    [InlineData("rule", "\"start_state\" \"/(?<a>x/\"", "is invalid")]
    public void Bad_multiline_definitions_are_errors(string key, string value, string expected)
    {
        var properties = new List<(string, string)> { ("name", "m"), ("type", "regex") };
        properties.RemoveAll(p => p.Item1 == key);
        properties.Add((key, value));
        var problems = new List<ParserProblem>();
        var registry = Custom(problems, [.. properties]);
        Assert.Contains(problems, p => p.IsError && p.Message.Contains(expected) && p.Message.Contains("[multiline parser: m]"));
        Assert.Null(registry.Find("m"));
        Assert.NotNull(registry.Find("docker"));
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_known_ones()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => MultilineRegistry.Empty.Resolve("docker, nope"));
        Assert.Contains("'nope'", ex.Message);
        Assert.Contains("docker, cri, go, python, java", ex.Message);
    }
}
