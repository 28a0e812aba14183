using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs.Tail;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Tail;

/// <summary>
/// Docker_Mode: the joiner on its own (time given, so the flush timeout needs no waiting), then
/// through the tail input. Expected records are the ones Fluent Bit 5.1.1 wrote for the same file.
/// </summary>
public class TailDockerModeTests
{
    private static readonly string[] Sample =
    [
        """{"log":"first half ","stream":"stdout","time":"2026-01-02T03:04:05.000000001Z"}""",
        """{"log":"second \"q\" half\n","stream":"stdout","time":"2026-01-02T03:04:05.000000002Z"}""",
        "not json",
        """{"log":"esc \\\\n\n","stream":"stderr","time":"2026-01-02T03:04:06.000000000Z"}""",
        """{"log":"2026 start\n","stream":"stdout","time":"2026-01-02T03:04:06.000000000Z"}""",
        """{"log":"  at more\n","stream":"stdout","time":"2026-01-02T03:04:06.000000000Z"}""",
        """{"log":"pending ","stream":"stdout","time":"2026-01-02T03:04:07.000000000Z"}""",
    ];

    private static readonly string JoinedFirst = """{"log":"first half second \"q\" half\n","stream":"stdout","time":"2026-01-02T03:04:05.000000002Z"}""";

    private sealed class Collector
    {
        public readonly List<(string Line, long Offset)> Lines = [];
        public void Take(ReadOnlySpan<byte> line, long offset) => Lines.Add((Encoding.UTF8.GetString(line), offset));
    }

    private static ParserRegistry Parsers()
    {
        var problems = new List<ParserProblem>();
        var registry = ParserRegistry.Create(
        [
            ParserDefinition.Of(("name", "docker"), ("format", "json"), ("time_key", "time"), ("time_format", "%Y-%m-%dT%H:%M:%S.%L"), ("time_keep", "on")),
            ParserDefinition.Of(("name", "first"), ("format", "regex"), ("regex", """^\{"log":"(?<d>\d)""")),
        ], null, problems);
        Assert.Empty(problems);
        return registry;
    }

    [Fact]
    public void Split_lines_are_joined_until_a_log_ends_with_a_newline_and_the_last_line_carries_the_joined_value()
    {
        var c = new Collector();
        var joiner = new DockerModeJoiner(null, TimeSpan.FromSeconds(4), c.Take);
        Assert.True(joiner.Append(Encoding.UTF8.GetBytes(Sample[0]), 0, 0, TimeSpan.Zero));
        Assert.Empty(c.Lines);
        Assert.Equal(0, joiner.PendingFrom);
        Assert.True(joiner.Append(Encoding.UTF8.GetBytes(Sample[1]), 80, 0, TimeSpan.Zero));
        Assert.Equal([(JoinedFirst, 0L)], c.Lines);
        Assert.Null(joiner.PendingFrom);
        // An escaped backslash before n is no newline; \n after it is.
        Assert.True(joiner.Append(Encoding.UTF8.GetBytes(Sample[3]), 177, 0, TimeSpan.Zero));
        Assert.Equal(Sample[3], c.Lines[1].Line);
    }

    [Fact]
    public void A_line_that_is_not_docker_json_flushes_what_is_pending_and_is_left_to_the_caller()
    {
        var c = new Collector();
        var joiner = new DockerModeJoiner(null, TimeSpan.FromSeconds(4), c.Take);
        Assert.True(joiner.Append(Encoding.UTF8.GetBytes(Sample[6]), 10, 5, TimeSpan.Zero));
        Assert.False(joiner.Append("not json"u8, 90, 5, TimeSpan.Zero));
        Assert.Equal([(Sample[6], 5L)], c.Lines);
        Assert.False(joiner.Append("""{"log":1}"""u8, 99, 5, TimeSpan.Zero)); // log not a string
        Assert.False(joiner.Append(""" {"log":"x\n"}"""u8, 99, 5, TimeSpan.Zero)); // the object must start the line
        Assert.False(joiner.Append("""{"log":"x\n"} trailing"""u8, 99, 5, TimeSpan.Zero));
        Assert.Single(c.Lines);
    }

    [Fact]
    public void What_is_pending_is_flushed_once_Docker_Mode_Flush_passed_since_the_last_line()
    {
        var c = new Collector();
        var joiner = new DockerModeJoiner(null, TimeSpan.FromSeconds(4), c.Take);
        joiner.Append(Encoding.UTF8.GetBytes(Sample[0]), 0, 0, TimeSpan.FromSeconds(10));
        joiner.Append("""{"log":"more ","stream":"stdout"}"""u8, 83, 0, TimeSpan.FromSeconds(12));
        joiner.FlushExpired(TimeSpan.FromSeconds(15.9), 120);
        Assert.Empty(c.Lines);
        joiner.FlushExpired(TimeSpan.FromSeconds(16), 120);
        Assert.Equal([("""{"log":"first half more ","stream":"stdout"}""", 120L)], c.Lines);
        Assert.Null(joiner.PendingFrom);
        joiner.FlushExpired(TimeSpan.FromSeconds(30), 120);
        Assert.Single(c.Lines);
    }

    [Fact]
    public void With_Docker_Mode_Parser_complete_lines_join_until_a_line_matching_it_starts_a_record()
    {
        var c = new Collector();
        var joiner = new DockerModeJoiner(Parsers().Find("first"), TimeSpan.FromSeconds(4), c.Take);
        foreach (var line in Sample) joiner.Append(Encoding.UTF8.GetBytes(line), 0, 0, TimeSpan.Zero);
        joiner.Flush(0);
        Assert.Equal(
        [
            JoinedFirst,
            Sample[3],
            """{"log":"2026 start\n  at more\npending ","stream":"stdout","time":"2026-01-02T03:04:07.000000000Z"}""",
        ], c.Lines.Select(l => l.Line));
    }

    [Theory]
    [InlineData("a\\n", true)]
    [InlineData("a\\\\n", false)]
    [InlineData("a\\\\\\n", true)]
    [InlineData("a\\u000a", true)]
    [InlineData("a\\\\u000A", false)]
    [InlineData("a", false)]
    [InlineData("", false)]
    public void A_raw_value_ends_with_a_newline_only_when_its_last_escape_is_one(string raw, bool expected) =>
        Assert.Equal(expected, DockerModeJoiner.EndsWithNewline(Encoding.UTF8.GetBytes(raw)));

    // The tail input on its own, with a parser registry, its chunks collected as they are routed.
    private static (TailInput Input, ConcurrentQueue<byte[]> Chunks, List<string> Log, CancellationTokenSource Stop, Thread Thread) Run(params (string, string)[] properties)
    {
        var chunks = new ConcurrentQueue<byte[]>();
        var messages = new List<string>();
        var log = new AgentLog { Level = LogLevel.Debug };
        log.Written += e => { lock (messages) messages.Add(e.Message); };
        var tail = new TailInput();
        var instance = new InputInstance("tail.0", TailInput.Descriptor, tail, "t", null, true, log, (chunk, _) => chunks.Enqueue(chunk.Span.ToArray()));
        tail.Init(new InputContext("tail.0", PluginProperties.From(properties.Select(p => KeyValuePair.Create(p.Item1, p.Item2))), log, instance.Emitter) { Parsers = Parsers() });
        var stop = new CancellationTokenSource();
        var thread = new Thread(() => tail.Run(stop.Token)) { IsBackground = true };
        thread.Start();
        return (tail, chunks, messages, stop, thread);
    }

    private static List<(EventTime Time, JsonElement Body)> Events(ConcurrentQueue<byte[]> chunks) =>
        [.. chunks.ToArray().SelectMany(c => EventReader.ReadAll(c)).Select(e => (e.Time, JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Body)).RootElement))];

    private static string WriteSample()
    {
        string path = Path.Combine(Path.GetTempPath(), "coreagent-dmode-" + Guid.NewGuid().ToString("N")[..8] + ".log");
        File.WriteAllText(path, string.Join("\n", Sample) + "\n");
        return path;
    }

    [Fact]
    public void Tail_emits_joined_lines_raw_under_Key_with_the_offsets_Fluent_Bit_reports_and_flushes_the_last_after_Docker_Mode_Flush()
    {
        string path = WriteSample();
        var run = Run(("path", path), ("read_from_head", "on"), ("docker_mode", "on"), ("docker_mode_flush", "1"), ("offset_key", "off"));
        try
        {
            // The pending last line goes out only by the flush timeout: nothing else comes after it.
            Eventually.True(() => Events(run.Chunks).Count >= 6, "six records");
            var events = Events(run.Chunks);
            Assert.Equal([JoinedFirst, "not json", Sample[3], Sample[4], Sample[5], Sample[6]], events.Select(e => e.Body.GetProperty("log").GetString()));
            Assert.Equal([0L, 168, 0, 0, 0, 495], events.Select(e => e.Body.GetProperty("off").GetInt64()));
            Assert.Equal(["off", "log"], events[0].Body.EnumerateObject().Select(p => p.Name));
        }
        finally { run.Stop.Cancel(); run.Thread.Join(); File.Delete(path); }
    }

    [Fact]
    public void Tail_applies_Parser_to_the_joined_line_and_Docker_Mode_Parser_joins_complete_lines_to_their_first_line()
    {
        string path = WriteSample();
        var run = Run(("path", path), ("read_from_head", "on"), ("docker_mode", "on"), ("docker_mode_flush", "1"), ("parser", "docker"), ("docker_mode_parser", "first"));
        try
        {
            Eventually.True(() => Events(run.Chunks).Count >= 4, "four records");
            var events = Events(run.Chunks);
            Assert.Equal(["first half second \"q\" half\n", "not json", "esc \\\\n\n", "2026 start\n  at more\npending "], events.Select(e => e.Body.GetProperty("log").GetString()));
            Assert.Equal(["log", "stream", "time"], events[0].Body.EnumerateObject().Select(p => p.Name));
            var seconds = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds();
            Assert.Equal([seconds, seconds + 1, seconds + 2], new[] { events[0], events[2], events[3] }.Select(e => (long)e.Time.Seconds));
        }
        finally { run.Stop.Cancel(); run.Thread.Join(); File.Delete(path); }
    }

    [Fact]
    public void A_pending_record_is_flushed_at_stop_and_the_DB_offset_stays_before_it_until_then()
    {
        string path = WriteSample();
        string db = path + ".db";
        var run = Run(("path", path), ("read_from_head", "on"), ("docker_mode", "on"), ("db", db));
        try
        {
            Eventually.True(() => Events(run.Chunks).Count >= 5, "five records");
            // The sixth line waits (Docker_Mode_Flush 4): the DB row still points at its start.
            Eventually.True(() => run.Input.Files.Count == 1 && run.Input.Files[0].StoredOffset == 418, $"stored offset 418 (is {run.Input.Files[0].StoredOffset})");
            Assert.Equal(5, Events(run.Chunks).Count);
        }
        finally { run.Stop.Cancel(); run.Thread.Join(); }
        try
        {
            Assert.Equal(Sample[6], Events(run.Chunks)[^1].Body.GetProperty("log").GetString());
            using var database = new TailDatabase(db, 1, false, "WAL");
            Assert.Equal(495, database.Find(UnixFiles.Stat(path)!.Value.Inode)!.Offset);
        }
        finally { File.Delete(path); File.Delete(db); }
    }

    [Fact]
    public void With_Parser_and_Ignore_Older_a_joined_record_parsed_to_an_older_time_is_dropped_and_plain_lines_are_kept()
    {
        string path = WriteSample(); // its times are of January 2026, the file itself is new
        var run = Run(("path", path), ("read_from_head", "on"), ("docker_mode", "on"), ("parser", "docker"), ("ignore_older", "1h"));
        try { Eventually.True(() => Events(run.Chunks).Count >= 1, "the plain line"); }
        finally { run.Stop.Cancel(); run.Thread.Join(); File.Delete(path); }
        Assert.Equal(["not json"], Events(run.Chunks).Select(e => e.Body.GetProperty("log").GetString())); // the pending one, flushed at stop, too
    }

    [Fact]
    public void With_multiline_parser_Docker_Mode_is_not_used_and_a_warning_says_so()
    {
        string path = WriteSample();
        var run = Run(("path", path), ("read_from_head", "on"), ("docker_mode", "on"), ("multiline.parser", "docker"));
        try
        {
            lock (run.Log) Assert.Contains(run.Log, m => m.Contains("Docker_Mode is not used: multiline.parser", StringComparison.Ordinal));
            Eventually.True(() => Events(run.Chunks).Count >= 3, "three records");
            // The built-in docker multiline parser decodes the JSON: the joined log is unescaped.
            Assert.Equal("first half second \"q\" half\n", Events(run.Chunks)[0].Body.GetProperty("log").GetString());
        }
        finally { run.Stop.Cancel(); run.Thread.Join(); File.Delete(path); }
    }

    [Fact]
    public void An_unregistered_Docker_Mode_Parser_and_a_Docker_Mode_Flush_that_is_no_number_are_errors_naming_the_key()
    {
        var unknown = Assert.Throws<PropertyException>(() => Run(("path", "/tmp/none-*.log"), ("docker_mode", "on"), ("docker_mode_parser", "nosuch")));
        Assert.Contains("nosuch", unknown.Message);
        Assert.Contains("docker_mode_parser", unknown.Message);
        var flush = Assert.Throws<PropertyException>(() => Run(("path", "/tmp/none-*.log"), ("docker_mode", "on"), ("docker_mode_flush", "soon")));
        Assert.Contains("docker_mode_flush", flush.Message);
    }
}
