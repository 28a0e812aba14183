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
        new("daemon", PropertyType.Boolean, "off", "Accepted for compatibility; a pipeline always runs in the session.")
            { NoEffect = "a pipeline runs in the PowerShell session; use Start-AgentPipeline -AsJob or a service manager to run it in the background" },
        new("plugins_file", PropertyType.String, null, "A file of [PLUGINS] sections naming Go plugins to load."),
        new("parsers_file", PropertyType.String, null, "A file of [PARSER] and [MULTILINE_PARSER] sections, relative to the main file. May be repeated.") { Multiple = true },
        .. CoreAgent.Engine.Monitoring.MonitoringSettings.Specs,
        new("storage.path", PropertyType.String, null, "Folder of the chunk files of storage.type filesystem inputs, the quarantine and the dead letters.") { PathValue = PathValue.Single },
        new("storage.sync", PropertyType.String, "normal", "normal: one write per append (survives a killed process); full: fsync after each append (survives a power loss).")
            { OneOf = ["normal", "full"] },
        new("storage.checksum", PropertyType.Boolean, "on", "CRC-32C over every block appended to a chunk file, checked when it is read back."),
        new("storage.max_chunks_up", PropertyType.Integer, "128", "Chunks of filesystem inputs held in memory at once; past it the inputs pause.") { Min = 1, Max = 1_000_000 },
        new("storage.backlog.mem_limit", PropertyType.Size, "5M", "Bytes of chunks from an earlier run loaded at once while they are delivered.") { Min = 1, Max = 1e12 },
        new("storage.keep.rejected", PropertyType.Boolean, "off", "Keep the chunks an output rejects or gives up on in the dead letter folder (needs storage.path)."),
        new("storage.rejected.path", PropertyType.String, "rejected", "The dead letter folder, under storage.path."),
        new("storage.rejected.limit", PropertyType.Size, null, "Total bytes of the dead letter folder; past it new rejected chunks are skipped with a warning.") { Max = 1e15 },
        new("log_file", PropertyType.String, null, "Accepted; the log goes to the PowerShell streams.")
            { NoEffect = "the log goes to the PowerShell streams (warnings, -Verbose, -Debug); redirect them, for example 3>> agent.log" },
    ];

    /// <summary>Service keys the engine does not know; they are ignored (a warning, not an error).</summary>
    public static IEnumerable<PluginProperty> UnknownKeys(PluginProperties service) =>
        service.Where(p => !Specs.Any(s => s.Name.Equals(p.Key, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Known [SERVICE] keys the user set that have no effect here, with what to say about them.</summary>
    public static IEnumerable<(PluginProperty Property, (string Code, string Message) Advice)> Advice(PluginProperties service)
    {
        foreach (var property in service)
        {
            var spec = Specs.FirstOrDefault(s => s.Name.Equals(property.Key, StringComparison.OrdinalIgnoreCase));
            if (spec is not null && spec.Validate(property.Value) is null && spec.Advise(property.Value) is { } advice) yield return (property, advice);
        }
    }

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

    /// <summary>Filesystem buffering and dead letters (storage.*).</summary>
    public CoreAgent.Engine.Storage.StorageSettings Storage { get; init; } = new();

    /// <summary>The monitoring API (HTTP_Server and the health check).</summary>
    public CoreAgent.Engine.Monitoring.MonitoringSettings Monitoring { get; init; } = new();

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
            Storage = StorageFrom(service),
            Monitoring = CoreAgent.Engine.Monitoring.MonitoringSettings.From(service),
        };
    }

    private static CoreAgent.Engine.Storage.StorageSettings StorageFrom(PluginProperties service)
    {
        string? path = service.Get("storage.path") is { } p && p.Trim().Length > 0 ? p.Trim() : null;
        bool keep = service.Get("storage.keep.rejected") is { } k && PropertyValues.ParseBool("storage.keep.rejected", k);
        if (keep && path is null) throw new PropertyException("storage.keep.rejected", "needs storage.path: the dead letters are kept under it");
        string rejected = service.Get("storage.rejected.path") is { } r && r.Trim().Length > 0 ? r.Trim() : CoreAgent.Engine.Storage.StorageSettings.DefaultRejectedPath;
        if (rejected.Contains('/') || rejected.Contains('\\') || rejected is "." or ".." || rejected == CoreAgent.Engine.Storage.StorageSettings.QuarantineFolder)
            throw new PropertyException("storage.rejected.path", $"'{rejected}' must be a plain folder name under storage.path (not '{CoreAgent.Engine.Storage.StorageSettings.QuarantineFolder}')");
        return new CoreAgent.Engine.Storage.StorageSettings
        {
            Path = path,
            Sync = service.Get("storage.sync")?.Trim().Equals("full", StringComparison.OrdinalIgnoreCase) == true ? CoreAgent.Engine.Storage.StorageSync.Full : CoreAgent.Engine.Storage.StorageSync.Normal,
            Checksum = service.Get("storage.checksum") is not { } c || PropertyValues.ParseBool("storage.checksum", c),
            MaxChunksUp = service.Get("storage.max_chunks_up") is { } m ? (int)PropertyValues.ParseInteger("storage.max_chunks_up", m) : CoreAgent.Engine.Storage.StorageSettings.DefaultMaxChunksUp,
            BacklogMemLimit = service.Get("storage.backlog.mem_limit") is { } b ? PropertyValues.ParseSize("storage.backlog.mem_limit", b) : CoreAgent.Engine.Storage.StorageSettings.DefaultBacklogMemLimit,
            KeepRejected = keep,
            RejectedPath = rejected,
            RejectedLimit = service.Get("storage.rejected.limit") is { } l && PropertyValues.ParseSize("storage.rejected.limit", l) is > 0 and var limit ? limit : null,
        };
    }

    private static LogLevel ParseLevel(string value)
    {
        try { return AgentLog.ParseLevel(value); }
        catch (FormatException ex) { throw new PropertyException("log_level", ex.Message); }
    }
}
