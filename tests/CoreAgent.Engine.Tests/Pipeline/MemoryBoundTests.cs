using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

/// <summary>Memory is bounded with no Mem_Buf_Limit set: inputs pause, also inside one large tick.</summary>
public class MemoryBoundTests
{
    private static PluginCatalog CatalogWith(PluginDescriptor extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(extra);
        return catalog;
    }

    [Fact]
    public void The_default_bounds_apply_when_no_limit_is_set()
    {
        var pipeline = AgentPipeline.Build(Definition([Spec("dummy")], [Spec("null")]), PluginCatalog.CreateDefault());

        Assert.Null(pipeline.Inputs[0].MemBufLimit);
        Assert.Equal(ServiceSettings.DefaultInputMemoryLimit, pipeline.Inputs[0].MemoryLimit);
        Assert.Equal(ServiceSettings.DefaultTotalMemoryLimit, pipeline.Memory.Total);
    }

    [Fact]
    public void Zero_turns_the_default_bounds_off()
    {
        var pipeline = AgentPipeline.Build(Definition([Spec("dummy")], [Spec("null")], ("mem_buf_limit.default", "0"), ("mem_buf_limit.total", "0")),
            PluginCatalog.CreateDefault());

        Assert.Null(pipeline.Inputs[0].MemoryLimit);
        Assert.Null(pipeline.Memory.Total);
    }

    [Fact]
    public void A_huge_copies_tick_into_a_stuck_output_stays_near_the_default_bound()
    {
        using var release = new ManualResetEventSlim();
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        // one tick is 1,000,000 records (about 30 MB); the bound is 1 MB: the tick must wait inside.
        var (pipeline, log) = Build(Definition([Spec("dummy", ("rate", "100"), ("copies", "1000000"))], [Spec("capture")],
            ("flush", "0.05"), ("grace", "1"), ("mem_buf_limit.default", "1M")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        try
        {
            Eventually.True(() => log.ToArray().Any(e => e.Message.Contains("paused (mem buf overlimit") && e.Message.Contains("the default bound")), "the input to pause");
            Eventually.True(() => capture.FlushCalls >= 1, "the output to be stuck in a flush");
            long limit = 1_000_000;
            for (int i = 0; i < 50; i++)
            {
                // one chunk past the limit at most, however long the tick
                Assert.InRange(pipeline.Inputs[0].BufferedBytes, 0, limit + Chunk.TargetSize + 64 * 1024);
                Thread.Sleep(10);
            }
            Assert.True(pipeline.Inputs[0].Metrics.Records < 1_000_000, $"the tick was not held: {pipeline.Inputs[0].Metrics.Records} records written");
        }
        finally
        {
            release.Set();
            pipeline.Stop();
        }
        var output = pipeline.Outputs[0].Metrics;
        Assert.Equal(pipeline.Inputs[0].Metrics.Records, output.ProcRecords + output.DroppedRecords);
    }

    [Fact]
    public void The_pipeline_total_pauses_every_input()
    {
        using var release = new ManualResetEventSlim();
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        var (pipeline, log) = Build(Definition(
                [Spec("dummy", ("tag", "a"), ("rate", "1000"), ("copies", "2000")), Spec("dummy", ("tag", "b"), ("rate", "1000"), ("copies", "2000"))],
                [Spec("capture", ("match", "*"))],
                ("flush", "0.05"), ("grace", "1"), ("mem_buf_limit.default", "0"), ("mem_buf_limit.total", "3M")),
            CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        try
        {
            Eventually.True(() => log.ToArray().Count(e => e.Message.Contains("pipeline mem buf total overlimit")) >= 2, "both inputs to pause on the total");
            for (int i = 0; i < 50; i++)
            {
                Assert.InRange(pipeline.Memory.Buffered, 0, 3_000_000 + 2 * (Chunk.TargetSize + 64 * 1024));
                Thread.Sleep(10);
            }
        }
        finally
        {
            release.Set();
            pipeline.Stop();
        }
        Eventually.True(() => pipeline.Memory.Buffered == 0, "every buffered byte to be released");
    }
}
