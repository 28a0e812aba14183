using System.Runtime.InteropServices;

namespace CoreAgent.Commands;

/// <summary>
/// SIGTERM and SIGHUP (systemctl stop, docker stop, a dropped ssh session) stop the session's
/// pipelines gracefully, within their Grace, as Fluent Bit does, and then exit the process with 0.
/// PowerShell does not run ProcessExit for these signals, so without this everything buffered
/// would be lost. A second signal while stopping ends the process at once (exit 128 + signal).
/// Registered when the first pipeline is created; Ctrl+C (SIGINT) and session exit are untouched.
/// </summary>
internal static class SignalShutdown
{
    private static readonly object Gate = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _received;
    private static readonly TimeSpan ExitWatchdog = TimeSpan.FromSeconds(3);

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (Registrations.Count > 0 || OperatingSystem.IsWindows()) return;
            Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
            Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle));
        }
    }

    private static void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // the runtime's default would end the process before the stop
        int number = context.Signal == PosixSignal.SIGTERM ? 15 : 1;
        if (Interlocked.Increment(ref _received) > 1)
        {
            _exit(128 + number); // second signal: no more waiting
            return;
        }
        AgentSession.Log.Warn("engine", $"{context.Signal} received: stopping the pipelines (a second signal ends the process at once)");
        var stopper = new Thread(() =>
        {
            try { AgentSession.StopAll(); }
            finally
            {
                // The pipelines are stopped: if the exit handlers of others (PowerShell's own exit
                // racing this one) hang, end the process anyway.
                new Thread(() => { Thread.Sleep(ExitWatchdog); _exit(0); }) { IsBackground = true }.Start();
                Environment.Exit(0);
            }
        })
        { IsBackground = true, Name = "CoreAgent signal shutdown" };
        stopper.Start();
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);
}
