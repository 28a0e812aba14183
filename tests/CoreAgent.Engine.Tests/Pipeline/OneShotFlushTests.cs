using System.Text.Json;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Pipeline;

public class OneShotFlushTests
{
    private static readonly byte[] ThreeEvents = FilterEvents.Encode("""{"n":1}""", """{"n":2}""", """{"n":3}""");

    private static PluginProperties Properties(params (string Key, string Value)[] pairs)
    {
        var properties = new PluginProperties();
        foreach (var (key, value) in pairs) properties.Set(key, value);
        return properties;
    }

    private sealed class FailingInit : IOutputPlugin
    {
        public bool Exited { get; private set; }
        public void Init(OutputContext context) => throw new InvalidOperationException("no socket");
        public FlushResult Flush(CoreAgent.Engine.Records.Chunk chunk) => FlushResult.Ok;
        public void Exit() => Exited = true;
    }

    [Fact]
    public void Inits_flushes_the_events_as_one_chunk_and_exits()
    {
        var capture = new CaptureOutput();
        var plugin = CaptureOutput.Descriptor("capture", capture);

        var result = OneShotFlush.Run(plugin, Properties(("retry_limit", "3")), "app.log", ThreeEvents);

        Assert.Equal(("capture", "capture.0", FlushResult.Ok, 3, ThreeEvents.Length), (result.Plugin, result.Instance, result.Result, result.Records, result.Bytes));
        Assert.True(result.Duration >= TimeSpan.Zero);
        Assert.Empty(result.RequestedKeys);
        Assert.Null(result.FlushError);
        var chunk = Assert.Single(capture.Chunks);
        Assert.Equal(("app.log", 3), (chunk.Tag, chunk.Records));
        Assert.Equal(ThreeEvents, chunk.Bytes);
        Assert.Equal("3", capture.Context!.Properties.Get("retry_limit"));
        Assert.True(capture.Exited);
    }

    [Theory]
    [InlineData(FlushResult.Retry)]
    [InlineData(FlushResult.Error)]
    public void Reports_what_the_flush_returned(FlushResult answer)
    {
        var capture = new CaptureOutput { Respond = _ => answer };
        var result = OneShotFlush.Run(CaptureOutput.Descriptor("capture", capture), new PluginProperties(), "t", ThreeEvents);
        Assert.Equal(answer, result.Result);
        Assert.True(capture.Exited);
    }

    [Fact]
    public void A_flush_that_throws_is_an_error_with_its_message_and_the_plugin_still_exits()
    {
        var capture = new CaptureOutput { Respond = _ => throw new IOException("disk full") };
        var result = OneShotFlush.Run(CaptureOutput.Descriptor("capture", capture), new PluginProperties(), "t", ThreeEvents);
        Assert.Equal(FlushResult.Error, result.Result);
        Assert.Equal("disk full", result.FlushError);
        Assert.True(capture.Exited);
    }

    [Fact]
    public void An_init_failure_throws_and_the_plugin_is_neither_flushed_nor_exited()
    {
        var failing = new FailingInit();
        var plugin = new PluginDescriptor { Name = "failing", Description = "", Type = PluginType.Output, CreateOutput = () => failing };
        var error = Assert.Throws<PluginException>(() => OneShotFlush.Run(plugin, new PluginProperties(), "t", ThreeEvents));
        Assert.Contains("failing.0: init failed: no socket", error.Message);
        Assert.False(failing.Exited);
    }

    [Fact]
    public void Properties_of_a_built_in_plugin_are_checked_first()
    {
        var plugin = PluginCatalog.CreateDefault().Find("stdout", PluginType.Output)!;
        var error = Assert.Throws<PipelineBuildException>(() => OneShotFlush.Run(plugin, Properties(("bogus", "1"), ("workers", "x")), "t", ThreeEvents));
        Assert.Contains(error.Problems, p => p.Key == "bogus" && p.Code == ProblemCodes.UnknownProperty);
        Assert.Contains(error.Problems, p => p.Key == "workers");
    }

    [Fact]
    public void Bytes_that_are_not_events_are_refused_before_init()
    {
        var capture = new CaptureOutput();
        Assert.Throws<FormatException>(() => OneShotFlush.Run(CaptureOutput.Descriptor("capture", capture), new PluginProperties(), "t", new byte[] { 0x93, 1, 2, 3 }));
        Assert.Null(capture.Context);
    }

    [Fact]
    public void No_events_means_no_flush()
    {
        var capture = new CaptureOutput();
        var result = OneShotFlush.Run(CaptureOutput.Descriptor("capture", capture), new PluginProperties(), "t", ReadOnlyMemory<byte>.Empty);
        Assert.Equal((FlushResult.Ok, 0, 0), (result.Result, result.Records, result.Bytes));
        Assert.Equal(0, capture.FlushCalls);
        Assert.True(capture.Exited);
    }

    [Fact]
    public void An_input_plugin_is_refused()
    {
        var dummy = PluginCatalog.CreateDefault().Find("dummy", PluginType.Input)!;
        Assert.Throws<ArgumentException>(() => OneShotFlush.Run(dummy, new PluginProperties(), "t", ThreeEvents));
    }
}

[Collection("go")]
public class OneShotFlushGoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-oneshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_go_plugin_gets_the_chunk_and_reports_the_keys_it_read()
    {
        var catalog = PluginCatalog.CreateDefault();
        var plugin = catalog.ImportGo(TestPlugins.PathOf("out_counter"));
        string file = Path.Combine(_dir, "counter.jsonl");
        var properties = new PluginProperties();
        properties.Set("id", "one");
        properties.Set("path", file);
        long nativeBefore = NativeAllocations.Outstanding;

        var result = OneShotFlush.Run(plugin, properties, "app", FilterEvents.Encode("""{"n":1}""", """{"n":2}"""));

        Assert.Equal((FlushResult.Ok, 2), (result.Result, result.Records));
        Assert.Contains("path", result.RequestedKeys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("id", result.RequestedKeys, StringComparer.OrdinalIgnoreCase);
        var lines = File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal([1, 2], lines.Take(2).Select(l => l.GetProperty("record").GetProperty("n").GetInt32()));
        Assert.All(lines.Take(2), l => Assert.Equal("app", l.GetProperty("tag").GetString()));
        Assert.True(lines[2].GetProperty("exit").GetBoolean());
        Assert.Equal(nativeBefore, NativeAllocations.Outstanding);
    }

    [Theory]
    [InlineData("retry", FlushResult.Retry)]
    [InlineData("error", FlushResult.Error)]
    [InlineData("ok", FlushResult.Ok)]
    public void A_go_plugin_result_is_reported(string answer, FlushResult expected)
    {
        var plugin = PluginCatalog.CreateDefault().ImportGo(TestPlugins.PathOf("out_result"));
        var properties = new PluginProperties();
        properties.Set("result", answer);
        var result = OneShotFlush.Run(plugin, properties, "t", FilterEvents.Encode("""{"n":1}"""));
        Assert.Equal(expected, result.Result);
        Assert.Contains("result", result.RequestedKeys, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_go_init_failure_is_a_plugin_exception()
    {
        var plugin = PluginCatalog.CreateDefault().ImportGo(TestPlugins.PathOf("out_initfail"));
        var error = Assert.Throws<PluginException>(() => OneShotFlush.Run(plugin, new PluginProperties(), "t", FilterEvents.Encode("""{"n":1}""")));
        Assert.Contains("refused to start: FLBPluginInit returned 0 (FLB_ERROR)", error.Message);
    }
}
