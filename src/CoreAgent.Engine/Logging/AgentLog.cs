namespace CoreAgent.Engine.Logging;

/// <summary>Fluent Bit's log levels, in the same order (error is the most severe).</summary>
public enum LogLevel { Off = 0, Error = 1, Warn = 2, Info = 3, Debug = 4, Trace = 5 }

public sealed record LogEntry(DateTimeOffset Time, LogLevel Level, string Source, string Message)
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

    public void Write(LogLevel level, string source, string message)
    {
        if (!IsEnabled(level)) return;
        Written?.Invoke(new LogEntry(DateTimeOffset.Now, level, source, message));
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
