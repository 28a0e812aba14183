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

        var until = DateTime.UtcNow.AddSeconds(6);
        long nullReferences = 0, divisions = 0, collections = 0;
        int zero = 0;
        var threads = new[]
        {
            new Thread(() => { while (DateTime.UtcNow < until) { GC.Collect(2, GCCollectionMode.Forced, blocking: true); Interlocked.Increment(ref collections); } }),
            new Thread(() =>
            {
                while (DateTime.UtcNow < until)
                {
                    try { string? s = Volatile.Read(ref NullText); _ = s!.Length; }
                    catch (NullReferenceException) { Interlocked.Increment(ref nullReferences); }
                    try { _ = 1 / Volatile.Read(ref zero); } // a divide-by-zero on the same thread after a null dereference
                    catch (DivideByZeroException) { Interlocked.Increment(ref divisions); }
                }
            }),
            new Thread(() => { var keep = new List<byte[]>(); while (DateTime.UtcNow < until) { keep.Add(new byte[4096]); if (keep.Count > 5000) keep.Clear(); } }),
        };
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        pipeline.Stop();

        Assert.True(collections > 10, $"{collections} collections");
        Assert.True(nullReferences > 1000, $"{nullReferences} null references");
        Assert.True(divisions > 1000, $"{divisions} divisions");
        Assert.True(pipeline.Outputs[0].Metrics.ProcRecords > 0);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.Errors);
    }

    private static string? NullText = null; // read through Volatile so the JIT cannot fold the null dereference away
}
