using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

public class PipelineTests
{
    private static PluginCatalog CatalogWith(params PluginDescriptor[] extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in extra) catalog.Add(plugin);
        return catalog;
    }

    [Fact]
    public void Dummy_samples_copies_reach_the_output_with_the_dummy_record()
    {
        var capture = new CaptureOutput();
        var definition = Definition(
            [Spec("dummy", ("rate", "50"), ("copies", "3"), ("samples", "4"), ("dummy", """{"msg":"hi","n":7}"""))],
            [Spec("capture")],
            ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith(CaptureOutput.Descriptor("capture", capture)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 12, "12 records");
        pipeline.Stop();

        var events = capture.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes)).ToList();
        Assert.Equal(12, events.Count);
        Assert.All(capture.Chunks, c => Assert.Equal("dummy.0", c.Tag));
        Assert.All(events, e => Assert.Equal(JsonToMsgPack.ConvertAll("""{"msg":"hi","n":7}""")[0], e.Body.ToArray()));
        Assert.Equal(12, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(12, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.Equal(pipeline.Inputs[0].Metrics.Bytes, pipeline.Outputs[0].Metrics.ProcBytes);
        Assert.True(capture.Exited);
    }

    [Fact]
    public void Dummy_fixed_timestamp_and_start_time_give_exact_timestamps_and_metadata()
    {
        var capture = new CaptureOutput();
        var definition = Definition(
            [Spec("dummy", ("samples", "2"), ("rate", "100"), ("fixed_timestamp", "on"), ("start_time_sec", "1795639451"),
                ("start_time_nsec", "784245484"), ("metadata", """{"m":"v"}"""), ("tag", "app.log"))],
            [Spec("capture", ("match", "app.*"))],
            ("flush", "0.1"));
        var (pipeline, _) = Build(definition, CatalogWith(CaptureOutput.Descriptor("capture", capture)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 2, "2 records");
        pipeline.Stop();

        var events = capture.Chunks.SelectMany(c => EventReader.ReadAll(c.Bytes)).ToList();
        Assert.All(events, e => Assert.Equal(new EventTime(1795639451, 784245484), e.Time));
        Assert.All(events, e => Assert.Equal(JsonToMsgPack.ConvertAll("""{"m":"v"}""")[0], e.Metadata.ToArray()));
        Assert.Equal("app.log", capture.Chunks.First().Tag);
    }

    [Fact]
    public void Routing_follows_match_and_match_regex_per_tag()
    {
        var all = new CaptureOutput();
        var onlyA = new CaptureOutput();
        var regexB = new CaptureOutput();
        var none = new CaptureOutput();
        var definition = Definition(
            [Spec("dummy", ("tag", "a.x"), ("samples", "3"), ("rate", "100")), Spec("dummy", ("tag", "b.y"), ("samples", "5"), ("rate", "100"))],
            [Spec("capture", ("match", "*")), Spec("capture", ("match", "a.*")), Spec("capture", ("match_regex", "b\\.")), Spec("capture")],
            ("flush", "0.1"));
        var (pipeline, log) = Build(definition, CatalogWith(CaptureOutput.Descriptor("capture", all, onlyA, regexB, none)));

        pipeline.Start();
        Eventually.True(() => all.RecordCount == 8 && onlyA.RecordCount == 3 && regexB.RecordCount == 5, "routed records");
        pipeline.Stop();

        Assert.All(onlyA.Chunks, c => Assert.Equal("a.x", c.Tag));
        Assert.All(regexB.Chunks, c => Assert.Equal("b.y", c.Tag));
        Assert.Equal(0, none.RecordCount);
        Assert.Contains(log, e => e.Message == "NO match for capture.3 output instance");
    }

    [Fact]
    public void A_single_input_and_output_without_match_routes_everything()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("dummy", ("samples", "2"), ("rate", "100"))], [Spec("capture")], ("flush", "0.1")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 2, "2 records");
        pipeline.Stop();
    }

    [Fact]
    public void Stop_flushes_everything_accepted_within_grace()
    {
        var capture = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("dummy", ("samples", "5"), ("rate", "1000"), ("copies", "100"))], [Spec("capture")],
            ("flush", "60"), ("grace", "30")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 500, "500 records produced");
        Assert.Equal(0, capture.RecordCount); // the flush interval has not come yet

        pipeline.Stop();

        Assert.Equal(500, capture.RecordCount);
        Assert.Equal(PipelineState.Stopped, pipeline.State);
    }

    [Fact]
    public void Retry_then_success_counts_retries_and_delivers()
    {
        int calls = 0;
        var capture = new CaptureOutput { Respond = _ => Interlocked.Increment(ref calls) == 1 ? FlushResult.Retry : FlushResult.Ok };
        var (pipeline, log) = Build(Definition([Spec("dummy", ("samples", "1"), ("copies", "4"), ("rate", "100"))],
            [Spec("capture", ("retry_limit", "3"))], ("flush", "0.1"), ("scheduler.base", "0.1"), ("scheduler.cap", "0.1")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 4, "4 records after a retry");
        pipeline.Stop();

        var metrics = pipeline.Outputs[0].Metrics;
        Assert.Equal(1, metrics.Retries);
        Assert.Equal(4, metrics.RetriedRecords);
        Assert.Equal(4, metrics.ProcRecords);
        Assert.Equal(0, metrics.RetriesFailed);
        Assert.Contains(log, e => e.Message.Contains("will retry in"));
    }

    [Fact]
    public void No_retries_drops_at_once_without_counting_a_failed_retry()
    {
        var capture = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var (pipeline, log) = Build(Definition([Spec("dummy", ("samples", "1"), ("copies", "2"), ("rate", "100"))],
            [Spec("capture", ("retry_limit", "no_retries"))], ("flush", "0.1")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.DroppedRecords == 2, "the chunk to be dropped");
        pipeline.Stop();

        Assert.Equal((1, 0L, 0L), (capture.FlushCalls, pipeline.Outputs[0].Metrics.Retries, pipeline.Outputs[0].Metrics.RetriesFailed));
        Assert.Contains(log, e => e.Message.Contains("is not retried (no retry config)"));
    }

    [Theory]
    [InlineData("1", 2, 1)]          // one retry allowed: two flushes, then dropped
    [InlineData("3", 4, 3)]
    public void Retries_run_out_at_retry_limit(string limit, int expectedFlushes, int expectedRetries)
    {
        var capture = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var (pipeline, log) = Build(Definition([Spec("dummy", ("samples", "1"), ("copies", "2"), ("rate", "100"))],
            [Spec("capture", ("retry_limit", limit))], ("flush", "0.1"), ("scheduler.base", "0.05"), ("scheduler.cap", "0.05")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.RetriesFailed == 1, "retries to run out");
        pipeline.Stop();

        var metrics = pipeline.Outputs[0].Metrics;
        Assert.Equal(expectedFlushes, capture.FlushCalls);
        Assert.Equal(expectedRetries, metrics.Retries);
        Assert.Equal(2, metrics.DroppedRecords);
        Assert.Equal(0, metrics.ProcRecords);
        Assert.Contains(log, e => e.Message.Contains("cannot be retried"));
    }

    [Fact]
    public void Error_drops_the_chunk_and_counts_it()
    {
        var capture = new CaptureOutput { Respond = _ => FlushResult.Error };
        var (pipeline, _) = Build(Definition([Spec("dummy", ("samples", "1"), ("copies", "3"), ("rate", "100"))], [Spec("capture")], ("flush", "0.1")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Outputs[0].Metrics.Errors == 1, "an error");
        pipeline.Stop();
        Assert.Equal(3, pipeline.Outputs[0].Metrics.DroppedRecords);
        Assert.Equal(1, capture.FlushCalls);
    }

    [Fact]
    public void A_slow_output_does_not_hold_up_another()
    {
        var slow = new CaptureOutput { FlushDelay = TimeSpan.FromSeconds(30) };
        var fast = new CaptureOutput();
        var (pipeline, _) = Build(Definition([Spec("dummy", ("rate", "20"))], [Spec("capture", ("match", "*")), Spec("capture", ("match", "*"))],
            ("flush", "0.05"), ("grace", "0")), CatalogWith(CaptureOutput.Descriptor("capture", slow, fast)));
        pipeline.Start();
        Eventually.True(() => fast.FlushCalls >= 5 && slow.FlushCalls == 1, "the fast output to keep flushing");
        pipeline.Stop();
    }

    [Fact]
    public void Workers_flush_one_output_concurrently()
    {
        var capture = new CaptureOutput { FlushDelay = TimeSpan.FromMilliseconds(300) };
        var (pipeline, _) = Build(Definition([Spec("dummy", ("rate", "50"))], [Spec("capture", ("workers", "3"))], ("flush", "0.02")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => capture.MaxConcurrentFlushes >= 2, "two flushes at once");
        pipeline.Stop();
        Assert.InRange(capture.MaxConcurrentFlushes, 2, 3);
    }

    [Fact]
    public void Mem_buf_limit_pauses_the_input_and_resumes_it()
    {
        using var release = new ManualResetEventSlim();
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        var (pipeline, log) = Build(Definition([Spec("dummy", ("rate", "1000"), ("copies", "1000"), ("mem_buf_limit", "100k"))], [Spec("capture")],
            ("flush", "0.05")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => log.ToArray().Any(e => e.Message.Contains("paused (mem buf overlimit")), "the input to pause");
        long pausedAt = pipeline.Inputs[0].Metrics.Records;
        release.Set();
        Eventually.True(() => log.ToArray().Any(e => e.Message.Contains("resume")), "the input to resume");
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records > pausedAt, "more records after resuming");
        pipeline.Stop();
    }

    [Fact]
    public void Build_reports_every_problem_with_its_key()
    {
        var definition = Definition(
            [Spec("dummy", ("rate", "fast"), ("bogus", "1")), Spec("nosuch")],
            [Spec("null", ("retry_limit", "sometimes"))],
            ("flush", "-1"));

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        Assert.Contains(error.Problems, p => p.Key == "rate" && p.Message.Contains("'fast' is not an integer"));
        Assert.Contains(error.Problems, p => p.Key == "bogus" && p.Message.Contains("allowed: dummy, metadata, rate"));
        Assert.Contains(error.Problems, p => p.Message.Contains("unknown input plugin 'nosuch'"));
        Assert.Contains(error.Problems, p => p.Key == "retry_limit");
        Assert.Contains(error.Problems, p => p.Key == "flush");
    }

    [Fact]
    public void Instance_names_count_per_plugin_and_alias_overrides()
    {
        var definition = Definition([Spec("dummy"), Spec("dummy", ("alias", "second"))], [Spec("null"), Spec("null")]);
        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        Assert.Equal(["dummy.0", "second"], pipeline.Inputs.Select(i => i.Name));
        Assert.Equal(["null.0", "null.1"], pipeline.Outputs.Select(o => o.Name));
        Assert.Equal("dummy.0", pipeline.Inputs[0].Tag);
    }

    [Fact]
    public void A_failing_init_exits_the_outputs_already_initialised()
    {
        var first = new CaptureOutput();
        var catalog = CatalogWith(CaptureOutput.Descriptor("capture", first), new PluginDescriptor
        {
            Name = "broken",
            Description = "fails",
            Type = PluginType.Output,
            CreateOutput = () => new BrokenOutput(),
        });
        var (pipeline, _) = Build(Definition([Spec("dummy")], [Spec("capture", ("match", "*")), Spec("broken", ("match", "*"))]), catalog);

        Assert.Throws<PluginException>(pipeline.Start);

        Assert.Equal(PipelineState.Failed, pipeline.State);
        Assert.True(first.Exited);
    }

    private sealed class BrokenOutput : IOutputPlugin
    {
        public void Init(OutputContext context) => throw new PluginException("no");
        public FlushResult Flush(Chunk chunk) => FlushResult.Ok;
        public void Exit() => throw new InvalidOperationException("must not exit an instance that never initialised");
    }
}
