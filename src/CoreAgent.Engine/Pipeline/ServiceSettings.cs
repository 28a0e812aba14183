using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>The [SERVICE] settings the engine acts on.</summary>
public sealed record ServiceSettings
{
    public static IReadOnlyList<PropertySpec> Specs { get; } =
    [
        new("flush", PropertyType.Double, "1", "Seconds between flushes of buffered chunks to the outputs."),
        new("grace", PropertyType.Double, "5", "Seconds a stop waits for pending flushes."),
        new("log_level", PropertyType.LogLevel, "info", "The engine's log level."),
        new("scheduler.base", PropertyType.Double, "5", "Base of the retry backoff, in seconds."),
        new("scheduler.cap", PropertyType.Double, "2000", "Cap of the retry backoff, in seconds."),
        new("daemon", PropertyType.Boolean, "off", "Accepted for compatibility; a pipeline always runs in the session."),
        new("plugins_file", PropertyType.String, null, "A file of [PLUGINS] sections naming Go plugins to load."),
        new("parsers_file", PropertyType.String, null, "Accepted; parsers are not implemented yet."),
        new("http_server", PropertyType.Boolean, "off", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("http_listen", PropertyType.String, "0.0.0.0", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("http_port", PropertyType.Integer, "2020", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("health_check", PropertyType.Boolean, "off", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("storage.path", PropertyType.String, null, "Accepted; filesystem buffering is not implemented yet."),
        new("log_file", PropertyType.String, null, "Accepted; the log goes to the PowerShell streams."),
    ];

    /// <summary>Service keys the engine does not know; they are ignored (a warning, not an error).</summary>
    public static IEnumerable<PluginProperty> UnknownKeys(PluginProperties service) =>
        service.Where(p => !Specs.Any(s => s.Name.Equals(p.Key, StringComparison.OrdinalIgnoreCase)));

    public double FlushSeconds { get; init; } = 1;
    public double GraceSeconds { get; init; } = 5;
    public LogLevel LogLevel { get; init; } = LogLevel.Info;
    public double SchedulerBase { get; init; } = 5;
    public double SchedulerCap { get; init; } = 2000;

    public static ServiceSettings From(PluginProperties service)
    {
        double Positive(string key, double fallback)
        {
            var raw = service.Get(key);
            if (raw is null) return fallback;
            var value = PropertyValues.ParseDouble(key, raw);
            return value > 0 ? value : throw new PropertyException(key, $"'{raw}' must be greater than zero");
        }

        var level = service.Get("log_level");
        return new ServiceSettings
        {
            FlushSeconds = Positive("flush", 1),
            GraceSeconds = service.Get("grace") is { } g ? Math.Max(0, PropertyValues.ParseDouble("grace", g)) : 5,
            LogLevel = level is null ? LogLevel.Info : ParseLevel(level),
            SchedulerBase = Positive("scheduler.base", 5),
            SchedulerCap = Positive("scheduler.cap", 2000),
        };
    }

    private static LogLevel ParseLevel(string value)
    {
        try { return AgentLog.ParseLevel(value); }
        catch (FormatException ex) { throw new PropertyException("log_level", ex.Message); }
    }
}
