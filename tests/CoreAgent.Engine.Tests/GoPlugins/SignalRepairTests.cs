using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>
/// A Go library rewrites .NET's signal handlers when it loads (REFERENCE 1). These tests check the
/// repair after a fresh load and then stress exactly what the broken handlers crash on.
/// </summary>
[Collection("go")]
public class SignalRepairTests
{
    [Fact]
    public void Loading_a_Go_library_leaves_dotnet_signal_handling_as_it_was()
    {
        int rtmin = Libc.CurrentSigRtMin();
        var rtBefore = SignalHandlerRepair.Describe(rtmin);
        var fpeBefore = SignalHandlerRepair.Describe(Libc.SIGFPE);
        var segvBefore = SignalHandlerRepair.Describe(Libc.SIGSEGV);

        // out_gstdout is loaded by no other test in this process, so this load starts a new Go runtime.
        var library = GoPluginLibrary.Load(TestPlugins.PathOf("out_gstdout"));

        var rtAfter = SignalHandlerRepair.Describe(rtmin);
        Assert.Equal(rtBefore.Handler, rtAfter.Handler);
        Assert.Equal(0, rtAfter.Flags & Libc.SA_ONSTACK);
        Assert.Equal(fpeBefore, SignalHandlerRepair.Describe(Libc.SIGFPE));
        Assert.Equal(segvBefore.MaskLow, SignalHandlerRepair.Describe(Libc.SIGSEGV).MaskLow);
        Assert.Contains(library.SignalRepairs, r => r.Contains("SIGFPE"));
    }

    [Fact]
    public void GC_null_dereferences_and_divide_by_zero_survive_while_a_plugin_flushes()
    {
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf("out_counter"));
        var (pipeline, _) = Build(Definition([Spec("dummy", ("rate", "1000"), ("copies", "200"), ("mem_buf_limit", "20M"))],
            [Spec("counter", ("id", "stress"), ("workers", "2"))], ("flush", "0.05")), catalog);
        pipeline.Start();

        // A fixed number of null dereferences and divisions on one thread, while other threads force
        // collections (every tenth a full blocking one) and allocate, and the plugin flushes on two workers.
        const int Rounds = 20_000;
        long nullReferences = 0, divisions = 0, collections = 0;
        int zero = 0;
        var faults = new Thread(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                try { string? s = Volatile.Read(ref NullText); _ = s!.Length; }
                catch (NullReferenceException) { Interlocked.Increment(ref nullReferences); }
                try { _ = 1 / Volatile.Read(ref zero); } // a divide-by-zero on the same thread right after a null dereference
                catch (DivideByZeroException) { Interlocked.Increment(ref divisions); }
            }
        });
        var collector = new Thread(() =>
        {
            for (int i = 0; faults.IsAlive; i++)
            {
                GC.Collect(i % 10 == 0 ? 2 : 0, GCCollectionMode.Forced, blocking: true);
                Interlocked.Increment(ref collections);
                Thread.Yield();
            }
        });
        var allocator = new Thread(() => { var keep = new List<byte[]>(); while (faults.IsAlive) { keep.Add(new byte[4096]); if (keep.Count > 5000) keep.Clear(); } });
        Eventually.True(() => pipeline.Outputs[0].Metrics.ProcRecords > 0, "the plugin to be flushing");
        faults.Start();
        collector.Start();
        allocator.Start();
        Assert.True(faults.Join(TimeSpan.FromMinutes(5)), "the faulting thread did not finish");
        collector.Join();
        allocator.Join();
        pipeline.Stop();

        Assert.Equal(Rounds, nullReferences);
        Assert.Equal(Rounds, divisions);
        Assert.True(collections > 10, $"{collections} collections");
        Assert.True(pipeline.Outputs[0].Metrics.ProcRecords > 0);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.Errors);
    }

    private static string? NullText = null; // read through Volatile so the JIT cannot fold the null dereference away
}
