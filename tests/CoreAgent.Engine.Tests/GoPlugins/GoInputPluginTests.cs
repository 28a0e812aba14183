using System.Text.Json;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>Go input plugins (proxy type 1) from tests/plugins, run through a real pipeline into a capture output.</summary>
[Collection("go")]
public class GoInputPluginTests
{
    private sealed record Event(EventTime Time, JsonElement Metadata, JsonElement Body);

    private static List<Event> Events(CaptureOutput capture) =>
        capture.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes)).Select(e => new Event(e.Time,
            JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Metadata)).RootElement.Clone(),
            JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Body)).RootElement.Clone())).ToList();

    private static (AgentPipeline Pipeline, List<LogEntry> Log, CaptureOutput Capture) Run(string plugin, params (string, string)[] properties)
    {
        var catalog = PluginCatalog.CreateDefault();
        var imported = catalog.ImportGo(TestPlugins.PathOf(plugin));
        Assert.Equal(PluginType.Input, imported.Type);
        var capture = new CaptureOutput();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var (pipeline, log) = Build(Definition([Spec(imported.Name, properties)], [Spec("capture", ("match", "*"))], ("flush", "0.1"), ("grace", "5")), catalog);
        return (pipeline, log, capture);
    }

    [Fact]
    public void Importing_an_input_plugin_registers_it_as_an_input()
    {
        var catalog = PluginCatalog.CreateDefault();
        var plugin = catalog.ImportGo(TestPlugins.PathOf("in_records"));
        Assert.Equal(PluginType.Input, plugin.Type);
        Assert.Equal("Returns N records per callback", plugin.Description);
        Assert.Same(plugin, catalog.Find("records", PluginType.Input));
        Assert.Null(catalog.Find("records", PluginType.Output));
        Assert.True(GoPluginLibrary.Load(TestPlugins.PathOf("in_records")).IsInput);
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("v2")]
    public void Every_callback_appends_exactly_the_records_it_returned(string shape)
    {
        var (pipeline, log, capture) = Run("in_records", ("records", "4"), ("shape", shape), ("interval_nsec", "50000000"), ("tag", "go.records"));
        var before = EventTime.Now();
        var pluginLog = GoPluginLibrary.PluginLog;
        GoPluginLibrary.PluginLog = pipeline.Log; // log_print carries no instance: it goes to the plugins' log
        try { pipeline.Start(); }
        finally { GoPluginLibrary.PluginLog = pluginLog; }
        Eventually.True(() => capture.RecordCount >= 12, "12 records from the Go input");
        pipeline.Stop();
        var after = EventTime.Now();

        var input = (GoInputPlugin)pipeline.Inputs[0].Instance;
        var events = Events(capture);
        Assert.Equal(4 * input.Callbacks, events.Count); // every callback's records, no more, nothing lost at stop
        Assert.Equal(events.Count, pipeline.Inputs[0].Metrics.Records);
        Assert.All(capture.Chunks, c => Assert.Equal("go.records", c.Tag));
        long first = events[0].Body.GetProperty("seq").GetInt64();
        for (int i = 0; i < events.Count; i++)
        {
            Assert.Equal(first + i, events[i].Body.GetProperty("seq").GetInt64());
            Assert.Equal($"record {first + i}", events[i].Body.GetProperty("message").GetString());
            Assert.Equal(JsonValueKind.Object, events[i].Metadata.ValueKind);
            Assert.Empty(events[i].Metadata.EnumerateObject());
            Assert.InRange(events[i].Time.ToDouble(), before.ToDouble() - 0.001, after.ToDouble() + 0.001);
        }
        // the records of one callback share its time; callbacks are ~50 ms apart
        for (int i = 0; i + 4 <= events.Count; i += 4)
            Assert.All(events.Skip(i).Take(4), e => Assert.Equal(events[i].Time, e.Time));
        Assert.Contains(log, e => e.Level == LogLevel.Info && e.Message == "in_records ready: 100% of %s %d %n records");
        Assert.Equal(0, input.RejectedEvents);
    }

    [Fact]
    public void The_collector_interval_defaults_to_one_second_as_in_Fluent_Bit()
    {
        var (pipeline, _, capture) = Run("in_records", ("records", "1"));
        pipeline.Start();
        Eventually.True(() => capture.RecordCount >= 3, "3 records at the default interval");
        pipeline.Stop();
        var events = Events(capture);
        for (int i = 1; i < 3; i++)
            Assert.InRange(events[i].Time.ToDouble() - events[i - 1].Time.ToDouble(), 0.9, 1.5);
    }

    [Fact]
    public void A_blocking_callback_runs_on_the_input_thread_and_its_buffers_go_to_its_cleanup()
    {
        var (pipeline, _, capture) = Run("in_blocking", ("block_ms", "400"), ("interval_nsec", "100000000"));
        pipeline.Start();
        Eventually.True(() => capture.RecordCount >= 3, "3 records from the blocking input");
        pipeline.Stop(); // waits for the callback in progress, whose record is kept

        var input = (GoInputPlugin)pipeline.Inputs[0].Instance;
        var events = Events(capture);
        Assert.Equal(input.Callbacks, events.Count);
        long firstCall = events[0].Body.GetProperty("call").GetInt64();
        for (int i = 0; i < events.Count; i++)
        {
            long call = events[i].Body.GetProperty("call").GetInt64();
            Assert.Equal(firstCall + i, call);
            Assert.Equal(call - 1, events[i].Body.GetProperty("freed").GetInt64()); // every earlier buffer went back to the plugin
        }
        // the plugin blocks 400 ms, longer than the 100 ms interval: calls never overlap, the next follows at once
        for (int i = 1; i < events.Count; i++)
            Assert.InRange(events[i].Time.ToDouble() - events[i - 1].Time.ToDouble(), 0.39, 1.5);
    }

    [Fact]
    public void Records_keep_their_own_timestamps_and_each_instance_its_context()
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf("in_timestamps"));
        var capture = new CaptureOutput();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var (pipeline, _) = Build(Definition(
            [Spec("timestamps", ("label", "a"), ("base_sec", "1700000000"), ("interval_nsec", "50000000"), ("tag", "a")),
             Spec("timestamps", ("label", "b"), ("base_sec", "1800000000"), ("interval_nsec", "50000000"), ("tag", "b"))],
            [Spec("capture", ("match", "*"))], ("flush", "0.1")), catalog);
        pipeline.Start();
        Eventually.True(() => Events(capture).Count(e => e.Body.GetProperty("label").GetString() == "a") >= 6
            && Events(capture).Count(e => e.Body.GetProperty("label").GetString() == "b") >= 6, "3 callbacks of each instance");
        pipeline.Stop();

        foreach (var (label, tag, baseSec) in new[] { ("a", "a", 1700000000u), ("b", "b", 1800000000u) })
        {
            var mine = Events(capture).Where(e => e.Body.GetProperty("label").GetString() == label).ToList();
            Assert.Equal(2 * ((GoInputPlugin)pipeline.Inputs[label == "a" ? 0 : 1].Instance).Callbacks, mine.Count);
            for (int i = 0; i < mine.Count; i += 2)
            {
                long call = i / 2 + 1;
                Assert.Equal(call, mine[i].Body.GetProperty("call").GetInt64());
                Assert.Equal("eventtime", mine[i].Body.GetProperty("kind").GetString());
                Assert.Equal(new EventTime(baseSec + 10 * (uint)call, 250_000_000), mine[i].Time);
                Assert.Equal("plugin", mine[i].Metadata.GetProperty("origin").GetString());
                Assert.Equal(call, mine[i + 1].Body.GetProperty("call").GetInt64());
                Assert.Equal("seconds", mine[i + 1].Body.GetProperty("kind").GetString());
                Assert.Equal(new EventTime(baseSec + 10 * (uint)call + 5, 0), mine[i + 1].Time);
                Assert.Empty(mine[i + 1].Metadata.EnumerateObject());
            }
            Assert.All(capture.Chunks.Where(c => EventReader.ReadAll(c.Bytes).Count > 0 &&
                JsonDocument.Parse(MessagePackSerializer.ConvertToJson(EventReader.ReadAll(c.Bytes)[0].Body)).RootElement.GetProperty("label").GetString() == label),
                c => Assert.Equal(tag, c.Tag));
        }
        Assert.Equal(0, GoPluginApi.Count);
    }

    [Fact]
    public void An_input_whose_init_fails_stops_the_start_with_its_name()
    {
        var (pipeline, _, _) = Run("in_records", ("records", "-1"));
        var error = Assert.Throws<PluginException>(pipeline.Start);
        Assert.Contains("Go input plugin 'records'", error.Message);
        Assert.Contains("FLBPluginInit returned 0", error.Message);
        Assert.Equal(PipelineState.Failed, pipeline.State);
    }
}
