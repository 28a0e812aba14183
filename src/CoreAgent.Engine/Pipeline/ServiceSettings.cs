using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>The [SERVICE] settings the engine acts on.</summary>
public sealed record ServiceSettings
{
    /// <summary>An input with no Mem_Buf_Limit pauses above this many buffered bytes (docs/storage.md).</summary>
    public const long DefaultInputMemoryLimit = 64_000_000;

    /// <summary>All inputs of a pipeline together pause above this many buffered bytes (docs/storage.md).</summary>
    public const long DefaultTotalMemoryLimit = 256_000_000;

    public static IReadOnlyList<PropertySpec> Specs { get; } =
    [
        new("flush", PropertyType.Double, "1", "Seconds between flushes of buffered chunks to the outputs.") { Min = 0.001, Max = 86_400 },
        new("grace", PropertyType.Double, "5", "Seconds a stop waits for pending flushes.") { Min = 0, Max = 3_600 },
        new("log_level", PropertyType.LogLevel, "info", "The engine's log level."),
        new("scheduler.base", PropertyType.Double, "5", "Base of the retry backoff, in seconds.") { Min = 0.001, Max = 86_400 },
        new("scheduler.cap", PropertyType.Double, "2000", "Cap of the retry backoff, in seconds.") { Min = 0.001, Max = 2_592_000 },
        new("mem_buf_limit.default", PropertyType.Size, "64M",
            "Buffered bytes above which an input that sets no Mem_Buf_Limit is paused; 0 turns the default bound off.") { Max = 1e12 },
        new("mem_buf_limit.total", PropertyType.Size, "256M",
            "Buffered bytes of all inputs together above which every input is paused; 0 turns the bound off.") { Max = 1e12 },
        new("daemon", PropertyType.Boolean, "off", "Accepted for compatibility; a pipeline always runs in the session."),
        new("plugins_file", PropertyType.String, null, "A file of [PLUGINS] sections naming Go plugins to load."),
        new("parsers_file", PropertyType.String, null, "Accepted; parsers are not implemented yet."),
        new("http_server", PropertyType.Boolean, "off", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("http_listen", PropertyType.String, "0.0.0.0", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("http_port", PropertyType.Integer, "2020", "Accepted; the HTTP monitoring server is not implemented yet.") { Min = 0, Max = 65_535 },
        new("health_check", PropertyType.Boolean, "off", "Accepted; the HTTP monitoring server is not implemented yet."),
        new("storage.path", PropertyType.String, null, "Accepted; filesystem buffering is not implemented yet."),
        new("log_file", PropertyType.String, null, "Accepted; the log goes to the PowerShell streams."),
    ];

    /// <summary>Service keys the engine does not know; they are ignored (a warning, not an error).</summary>
    public static IEnumerable<PluginProperty> UnknownKeys(PluginProperties service) =>
        service.Where(p => !Specs.Any(s => s.Name.Equals(p.Key, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Every known [SERVICE] key whose value has the wrong type or is out of range: (key, message naming key and range).</summary>
    public static IEnumerable<(PluginProperty Property, string Error)> Problems(PluginProperties service)
    {
        foreach (var property in service)
        {
            var spec = Specs.FirstOrDefault(s => s.Name.Equals(property.Key, StringComparison.OrdinalIgnoreCase));
            if (spec?.Validate(property.Value) is { } error) yield return (property, error);
        }
    }

    public double FlushSeconds { get; init; } = 1;
    public double GraceSeconds { get; init; } = 5;
    public LogLevel LogLevel { get; init; } = LogLevel.Info;
    public double SchedulerBase { get; init; } = 5;
    public double SchedulerCap { get; init; } = 2000;

    /// <summary>The bound of an input without Mem_Buf_Limit; null when turned off.</summary>
    public long? InputMemoryLimit { get; init; } = DefaultInputMemoryLimit;

    /// <summary>The bound of all inputs together; null when turned off.</summary>
    public long? TotalMemoryLimit { get; init; } = DefaultTotalMemoryLimit;

    /// <summary>Reads the settings; throws a <see cref="PropertyException"/> naming the first bad key (see <see cref="Problems"/> for all).</summary>
    public static ServiceSettings From(PluginProperties service)
    {
        foreach (var (property, error) in Problems(service)) throw new PropertyException(property.Key, error);

        double Number(string key, double fallback) => service.Get(key) is { } raw ? PropertyValues.ParseDouble(key, raw) : fallback;
        long? Limit(string key, long fallback)
        {
            long value = service.Get(key) is { } raw ? PropertyValues.ParseSize(key, raw) : fallback;
            return value > 0 ? value : null;
        }

        var level = service.Get("log_level");
        return new ServiceSettings
        {
            FlushSeconds = Number("flush", 1),
            GraceSeconds = Number("grace", 5),
            LogLevel = level is null ? LogLevel.Info : ParseLevel(level),
            SchedulerBase = Number("scheduler.base", 5),
            SchedulerCap = Number("scheduler.cap", 2000),
            InputMemoryLimit = Limit("mem_buf_limit.default", DefaultInputMemoryLimit),
            TotalMemoryLimit = Limit("mem_buf_limit.total", DefaultTotalMemoryLimit),
        };
    }

    private static LogLevel ParseLevel(string value)
    {
        try { return AgentLog.ParseLevel(value); }
        catch (FormatException ex) { throw new PropertyException("log_level", ex.Message); }
    }
}
