using System.Collections.Concurrent;
using System.Text.Json;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs.Tail;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Tail;

/// <summary>tail with Parser: the input runs on its own, with a parser registry, its chunks collected as they are routed.</summary>
public class TailParserTests
{
    private static (TailInput Input, ConcurrentQueue<byte[]> Chunks, CancellationTokenSource Stop, Thread Thread) Run(ParserRegistry parsers, params (string, string)[] properties)
    {
        var chunks = new ConcurrentQueue<byte[]>();
        var tail = new TailInput();
        var instance = new InputInstance("tail.0", TailInput.Descriptor, tail, "t", null, true, AgentLog.Null, (chunk, _) => chunks.Enqueue(chunk.Span.ToArray()));
        tail.Init(new InputContext("tail.0", PluginProperties.From(properties.Select(p => KeyValuePair.Create(p.Item1, p.Item2))), AgentLog.Null, instance.Emitter) { Parsers = parsers });
        var stop = new CancellationTokenSource();
        var thread = new Thread(() => tail.Run(stop.Token)) { IsBackground = true };
        thread.Start();
        return (tail, chunks, stop, thread);
    }

    private static List<(EventTime Time, JsonElement Body)> Events(ConcurrentQueue<byte[]> chunks) =>
        [.. chunks.ToArray().SelectMany(c => EventReader.ReadAll(c)).Select(e => (e.Time, JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Body)).RootElement))];

    private static ParserRegistry Json()
    {
        var problems = new List<ParserProblem>();
        var registry = ParserRegistry.Create([ParserDefinition.Of(("name", "json"), ("format", "json"), ("time_key", "time"), ("time_format", "%Y-%m-%dT%H:%M:%S"))], null, problems);
        Assert.Empty(problems);
        return registry;
    }

    [Fact]
    public void Parses_each_line_keeps_unparsed_lines_raw_and_appends_path_and_offset_keys()
    {
        using var h = new TailHarness();
        string path = h.PathOf("j.log");
        File.WriteAllText(path, "{\"time\":\"2026-01-02T03:04:05\",\"msg\":\"hi\",\"n\":1}\nnot json\n{\"msg\":\"no time\"}\n");
        var (_, chunks, stop, thread) = Run(Json(), ("path", path), ("read_from_head", "on"), ("parser", "json"), ("path_key", "file"), ("offset_key", "off"));
        try
        {
            Eventually.True(() => Events(chunks).Count == 3, "three records");
            var events = Events(chunks);
            Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), events[0].Time.Seconds);
            Assert.Equal("hi", events[0].Body.GetProperty("msg").GetString());
            Assert.Equal(1, events[0].Body.GetProperty("n").GetInt32());
            Assert.False(events[0].Body.TryGetProperty("time", out _)); // Time_Keep off
            Assert.Equal(path, events[0].Body.GetProperty("file").GetString());
            Assert.Equal(0, events[0].Body.GetProperty("off").GetInt64());
            Assert.Equal("not json", events[1].Body.GetProperty("log").GetString());
            Assert.Equal(path, events[1].Body.GetProperty("file").GetString());
            Assert.Equal(["msg", "file", "off"], events[2].Body.EnumerateObject().Select(p => p.Name));
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.InRange((long)events[2].Time.Seconds, now - 60, now + 1); // no time in the line: the read time
        }
        finally
        {
            stop.Cancel();
            thread.Join();
        }
    }

    [Fact]
    public void An_unknown_parser_is_an_error_naming_it()
    {
        var ex = Assert.Throws<PropertyException>(() => Run(Json(), ("path", "/tmp/none-*.log"), ("parser", "nosuch")));
        Assert.Contains("parser 'nosuch' is not registered", ex.Message);
        Assert.Contains("json", ex.Message);
    }
}
