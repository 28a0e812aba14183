namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>Picks the Go runtime's own report out of what a dead host wrote to stderr.</summary>
internal static class HostCrash
{
    private static readonly string[] Markers = ["panic: ", "fatal error: ", "SIGSEGV", "SIGBUS", "SIGABRT", "unexpected signal", "Unhandled exception"];
    private const int TraceLines = 8;

    /// <summary>The first crash line and the few after it (goroutine trace); else the last lines.</summary>
    public static string Summarize(string stderr)
    {
        var lines = stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int start = Array.FindIndex(lines, l => Markers.Any(m => l.Contains(m, StringComparison.Ordinal)));
        var picked = start >= 0 ? lines.Skip(start).Take(TraceLines) : lines.TakeLast(4);
        return string.Join(Environment.NewLine, picked).Trim();
    }
}
