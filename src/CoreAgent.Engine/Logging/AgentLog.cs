namespace CoreAgent.Engine.Logging;

/// <summary>Fluent Bit's log levels, in the same order (error is the most severe).</summary>
public enum LogLevel { Off = 0, Error = 1, Warn = 2, Info = 3, Debug = 4, Trace = 5 }

/// <summary>
/// One log line. <paramref name="Event"/> names what happened for lines a host may want to react to
/// (see <see cref="LogEvents"/>); it is null for plain messages.
/// </summary>
public sealed record LogEntry(DateTimeOffset Time, LogLevel Level, string Source, string Message, string? Event = null, LogEventData? Data = null)
{
    public override string ToString() => $"[{Time:yyyy/MM/dd HH:mm:ss}] [{Level.ToString().ToLowerInvariant(),5}] [{Source}] {Message}";
}

/// <summary>
/// The engine's log. Engine threads write here; hosts subscribe (the cmdlets forward entries to the
/// verbose, debug and warning streams from the pipeline thread).
/// </summary>
public sealed class AgentLog
{
    public static AgentLog Null { get; } = new() { Level = LogLevel.Off };

    public LogLevel Level { get; set; } = LogLevel.Info;

    public event Action<LogEntry>? Written;

    public bool IsEnabled(LogLevel level) => level != LogLevel.Off && level <= Level;

    public void Write(LogLevel level, string source, string message, string? logEvent = null, LogEventData? data = null)
    {
        // Events are delivered whatever the level, so subscribers see every retry and error.
        if (!IsEnabled(level) && logEvent is null) return;
        Written?.Invoke(new LogEntry(DateTimeOffset.Now, level, source, message, logEvent, data));
    }

    public void Error(string source, string message) => Write(LogLevel.Error, source, message);
    public void Warn(string source, string message) => Write(LogLevel.Warn, source, message);
    public void Info(string source, string message) => Write(LogLevel.Info, source, message);
    public void Debug(string source, string message) => Write(LogLevel.Debug, source, message);

    public static LogLevel ParseLevel(string value) => value.Trim().ToLowerInvariant() switch
    {
        "off" => LogLevel.Off,
        "error" => LogLevel.Error,
        "warn" or "warning" => LogLevel.Warn,
        "info" => LogLevel.Info,
        "debug" => LogLevel.Debug,
        "trace" => LogLevel.Trace,
        _ => throw new FormatException($"'{value}' is not a log level (off, error, warn, info, debug, trace)"),
    };
}

/// <summary>The facts behind an event line, so hosts need not read them back out of the message.</summary>
public sealed record LogEventData(string Instance, string? Tag = null, long? TaskId = null, long? Records = null, int? Retry = null, TimeSpan? RetryIn = null);

/// <summary>Names of the events carried by log entries.</summary>
public static class LogEvents
{
    public const string Retry = "Retry";
    public const string RetriesExhausted = "RetriesExhausted";
    public const string FlushError = "FlushError";
    public const string Discarded = "Discarded";
    public const string InputPaused = "InputPaused";
    public const string InputResumed = "InputResumed";

    /// <summary>An isolated Go plugin's host died; its chunks in flight are retried.</summary>
    public const string PluginCrashed = "PluginCrashed";

    /// <summary>An isolated Go plugin's host kept dying while starting again: the output fails from now on.</summary>
    public const string PluginGaveUp = "PluginGaveUp";
}
