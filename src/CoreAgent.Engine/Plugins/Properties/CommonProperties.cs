namespace CoreAgent.Engine.Plugins.Properties;

/// <summary>
/// Properties the engine itself handles for every input, filter or output, declared once rather than per
/// plugin. The reserved keys (REFERENCE 3.4) belong to the engine: a Go plugin that asks for one
/// gets "".
/// </summary>
public static class CommonProperties
{
    public static IReadOnlyList<PropertySpec> Input { get; } =
    [
        new("name", PropertyType.String, null, "The plugin to run."),
        new("alias", PropertyType.String, null, "A name for the instance, used in logs and metrics instead of <plugin>.<n>."),
        new("tag", PropertyType.String, null, "The tag of the records this input produces (default: the instance name)."),
        new("log_level", PropertyType.LogLevel, "info", "The instance's log level."),
        new("mem_buf_limit", PropertyType.Size, null, "Pause the input while its buffered chunks exceed this size."),
        new("routable", PropertyType.Boolean, "true", "Whether the input's records are routed to outputs."),
        new("threaded", PropertyType.Boolean, "false", "Accepted for compatibility; every input runs on its own thread."),
        new("storage.type", PropertyType.String, "memory", "Where chunks are buffered: memory, or filesystem (chunk files under [SERVICE] storage.path, recovered after a crash).")
            { OneOf = ["memory", "filesystem"] },
        new("storage.pause_on_chunks_overlimit", PropertyType.Boolean, "false", "Accepted for compatibility; a filesystem input always pauses at storage.max_chunks_up (docs/storage.md)."),
    ];

    public static IReadOnlyList<PropertySpec> Output { get; } =
    [
        new("name", PropertyType.String, null, "The plugin to run."),
        new("alias", PropertyType.String, null, "A name for the instance, used in logs and metrics instead of <plugin>.<n>."),
        new("match", PropertyType.String, null, "Tag pattern of the records to receive; * matches any run of characters."),
        new("match_regex", PropertyType.String, null, "Regular expression matched against the start of the tag; tried before match."),
        new("retry_limit", PropertyType.RetryLimit, "1", "Retries per chunk: a number, no_limits/false/off, or no_retries."),
        new("workers", PropertyType.Integer, "1", "Concurrent flushes for this instance.") { Min = 0, Max = 256 },
        new("log_level", PropertyType.LogLevel, "info", "The instance's log level."),
        new("storage.total_limit_size", PropertyType.Size, null, "Bytes of filesystem chunks queued for this output; past it the oldest are dropped (counted)."),
    ];

    /// <summary>
    /// What Fluent Bit's flb_filter_set_property handles itself. A filter needs Match or Match_Regex:
    /// Fluent Bit refuses to start without one ("NO match rule for ... filter instance").
    /// </summary>
    public static IReadOnlyList<PropertySpec> Filter { get; } =
    [
        new("name", PropertyType.String, null, "The plugin to run."),
        new("alias", PropertyType.String, null, "A name for the instance, used in logs and metrics instead of <plugin>.<n>."),
        new("match", PropertyType.String, null, "Tag pattern of the records to filter; * matches any run of characters."),
        new("match_regex", PropertyType.String, null, "Regular expression matched against the start of the tag; tried before match."),
        new("log_level", PropertyType.LogLevel, "info", "The instance's log level."),
    ];

    /// <summary>Keys that belong to the engine and are never handed to a Go plugin.</summary>
    public static IReadOnlySet<string> Reserved { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "alias", "host", "ipv6", "listen", "log_level", "log_suppress_interval", "match", "match_regex",
        "mem_buf_limit", "port", "retry_limit", "routable", "storage.pause_on_chunks_overlimit",
        "storage.total_limit_size", "storage.type", "tag", "threaded", "tls", "tls.ca_file", "tls.ca_path",
        "tls.crt_file", "tls.debug", "tls.key_file", "tls.key_passwd", "tls.verify", "tls.vhost", "workers",
        "tls.verify_hostname", "tls.min_version", "tls.max_version", "tls.ciphers", "name",
    };

    public static bool IsReserved(string key) =>
        Reserved.Contains(key)
        || key.StartsWith("net.", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("oauth2", StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<PropertySpec> For(PluginType type) => type switch
    {
        PluginType.Input => Input,
        PluginType.Filter => Filter,
        _ => Output,
    };
}
