namespace CoreAgent.Engine.Native;

/// <summary>
/// Undoes what a Go c-shared library's runtime does to .NET's signal handlers when it loads
/// (REFERENCE 1, "signal handlers"):
/// <list type="bullet">
/// <item>SIGRTMIN, which .NET uses to suspend threads for GC: Go adds SA_ONSTACK, so .NET's handler
/// would run on Go's small alternate stack and overflow it. We clear that flag again.</item>
/// <item>SIGSEGV and SIGBUS: Go's handler (which forwards to .NET's) blocks every signal while it
/// runs, leaving threads with everything blocked after a NullReferenceException. We keep Go's
/// handler but give it the mask .NET's handler had.</item>
/// <item>SIGFPE: Go forwards it to .NET on the alternate stack and a C# divide-by-zero crashes; Go
/// checks division in code, so .NET's handler goes back.</item>
/// </list>
/// Call <see cref="Capture"/> before dlopen and <see cref="Repair"/> after every load, under <see cref="Gate"/>.
/// </summary>
internal static unsafe class SignalHandlerRepair
{
    /// <summary>Serialises library loads with the capture and repair around them.</summary>
    public static readonly object Gate = new();

    public sealed class Snapshot
    {
        internal readonly SigAction[] Actions = new SigAction[Libc.MaxSignal + 1];
        internal readonly bool[] Valid = new bool[Libc.MaxSignal + 1];
    }

    public static Snapshot Capture()
    {
        var snapshot = new Snapshot();
        for (int signal = 1; signal <= Libc.MaxSignal; signal++)
        {
            SigAction current;
            if (Libc.sigaction(signal, null, &current) == 0)
            {
                snapshot.Actions[signal] = current;
                snapshot.Valid[signal] = true;
            }
        }
        return snapshot;
    }

    /// <summary>Repairs the handlers against the snapshot taken before the load; returns what changed, for the log.</summary>
    public static IReadOnlyList<string> Repair(Snapshot before)
    {
        var changes = new List<string>();
        int rtmin = Libc.CurrentSigRtMin();
        if (Get(rtmin, out var rt) && before.Valid[rtmin]
            && (rt.Flags & Libc.SA_ONSTACK) != 0 && (before.Actions[rtmin].Flags & Libc.SA_ONSTACK) == 0)
        {
            rt.Flags &= ~Libc.SA_ONSTACK;
            if (Set(rtmin, rt)) changes.Add($"signal {rtmin} (SIGRTMIN): cleared SA_ONSTACK");
        }

        foreach (int signal in new[] { Libc.SIGSEGV, Libc.SIGBUS })
        {
            if (!Get(signal, out var current) || !before.Valid[signal]) continue;
            if (current.Handler == before.Actions[signal].Handler || SameMask(current, before.Actions[signal])) continue;
            for (int i = 0; i < 16; i++) current.Mask[i] = before.Actions[signal].Mask[i];
            if (Set(signal, current)) changes.Add($"signal {signal}: restored the previous handler's signal mask");
        }

        if (Get(Libc.SIGFPE, out var fpe) && before.Valid[Libc.SIGFPE] && fpe.Handler != before.Actions[Libc.SIGFPE].Handler)
        {
            if (Set(Libc.SIGFPE, before.Actions[Libc.SIGFPE])) changes.Add("signal 8 (SIGFPE): restored the previous handler");
        }
        return changes;
    }

    private static bool SameMask(in SigAction a, in SigAction b)
    {
        for (int i = 0; i < 16; i++)
            if (a.Mask[i] != b.Mask[i]) return false;
        return true;
    }

    private static bool Get(int signal, out SigAction action)
    {
        SigAction current;
        bool ok = Libc.sigaction(signal, null, &current) == 0;
        action = current;
        return ok;
    }

    private static bool Set(int signal, SigAction action) => Libc.sigaction(signal, &action, null) == 0;

    /// <summary>One signal's current handler, flags and first mask word (tests and diagnostics).</summary>
    public static (nint Handler, int Flags, ulong MaskLow) Describe(int signal)
    {
        Get(signal, out var action);
        return (action.Handler, action.Flags, action.Mask[0]);
    }
}
