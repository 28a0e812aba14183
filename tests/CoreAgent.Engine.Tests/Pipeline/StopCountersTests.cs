using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

/// <summary>When Stop returns the counters are final: every record produced is delivered or counted as dropped, with a reason.</summary>
public class StopCountersTests
{
    private static PluginCatalog CatalogWith(PluginDescriptor extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(extra);
        return catalog;
    }

    [Fact]
    public void A_retry_scheduled_at_stop_is_cancelled_and_counted()
    {
        var capture = new CaptureOutput { Respond = _ => FlushResult.Retry };
        var (pipeline, log) = Build(Definition([Spec("dummy", ("samples", "3"), ("copies", "10"), ("rate", "100"))], [Spec("capture", ("retry_limit", "no_limits"))],
            ("flush", "0.05"), ("grace", "0.3"), ("scheduler.base", "30"), ("scheduler.cap", "30")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 30 && pipeline.Outputs[0].Metrics.RetriedRecords == 30, "every chunk to wait for a retry");

        pipeline.Stop();

        var metrics = pipeline.Outputs[0].Metrics;
        Assert.Equal(30, metrics.DroppedRecords);
        Assert.Equal(0, metrics.ProcRecords);
        Assert.Equal(0, pipeline.Outputs[0].Backlog); // no retry timer is left to fire after Stopped
        Assert.Equal(30, pipeline.Discards.Records);
        Assert.Contains(pipeline.Discards.ByReason, r => r.Key.Contains("retry was still scheduled"));
        Assert.Contains(log, e => e.Message.Contains("30 record(s) discarded"));
    }

    [Fact]
    public void Chunks_queued_behind_a_hung_flush_are_counted_and_a_late_return_counts_nothing()
    {
        using var release = new ManualResetEventSlim();
        var capture = new CaptureOutput { Respond = _ => { release.Wait(); return FlushResult.Ok; } };
        var (pipeline, _) = Build(Definition([Spec("dummy", ("samples", "20"), ("copies", "10"), ("rate", "100"))], [Spec("capture")],
            ("flush", "0.02"), ("grace", "0.2")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 200, "every record produced");
        Eventually.True(() => capture.FlushCalls == 1, "the output to hang in its first flush");

        pipeline.Stop();

        var metrics = pipeline.Outputs[0].Metrics;
        Assert.Equal(200, metrics.DroppedRecords);
        Assert.Equal(200, pipeline.Discards.Records);
        Assert.Contains(pipeline.Discards.ByReason, r => r.Key.Contains("did not return"));
        Assert.Equal(0, pipeline.Outputs[0].Backlog);

        release.Set();
        Eventually.True(() => capture.RecordCount > 0, "the hung flush to return");
        Eventually.True(() => pipeline.Outputs[0].Flushing == 0, "the late flush to finish");
        Assert.Equal(0, metrics.ProcRecords); // already counted as dropped: nothing counts twice
        Assert.Equal(200, metrics.DroppedRecords);
    }

    [Fact]
    public void A_clean_stop_discards_nothing()
    {
        var capture = new CaptureOutput();
        var (pipeline, log) = Build(Definition([Spec("dummy", ("samples", "5"), ("copies", "10"), ("rate", "100"))], [Spec("capture")],
            ("flush", "30")), CatalogWith(CaptureOutput.Descriptor("capture", capture)));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 50, "every record produced");

        pipeline.Stop();

        Assert.Equal(50, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.Equal(0, pipeline.Discards.Records);
        Assert.Null(pipeline.Discards.Describe(pipeline.Name));
        Assert.DoesNotContain(log, e => e.Message.Contains("discarded"));
    }
}
