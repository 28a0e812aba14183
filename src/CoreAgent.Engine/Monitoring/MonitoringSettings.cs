using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Monitoring;

/// <summary>
/// [SERVICE] HTTP_Server, HTTP_Listen, HTTP_Port and the health check (Health_Check, HC_Errors_Count,
/// HC_Retry_Failure_Count, HC_Period), with Fluent Bit's defaults except the address: an agent in a
/// user's session listens on loopback unless told otherwise (Fluent Bit: 0.0.0.0).
/// </summary>
public sealed record MonitoringSettings
{
    public const string DefaultListen = "127.0.0.1";
    public const int DefaultPort = 2020;

    public bool Enabled { get; init; }
    public string Listen { get; init; } = DefaultListen;
    public int Port { get; init; } = DefaultPort;
    public bool HealthCheck { get; init; }
    public long ErrorsCount { get; init; } = 5;
    public long RetryFailureCount { get; init; } = 5;
    public int PeriodSeconds { get; init; } = 60;

    public static IReadOnlyList<PropertySpec> Specs { get; } =
    [
        new("http_server", PropertyType.Boolean, "off", "Serve the monitoring API (docs/monitoring.md)."),
        new("http_listen", PropertyType.String, DefaultListen, "Address of the monitoring API. CoreAgent's default is loopback; Fluent Bit's is 0.0.0.0."),
        new("http_port", PropertyType.Integer, "2020", "TCP port of the monitoring API; 0 picks a free port.") { Min = 0, Max = 65_535 },
        new("health_check", PropertyType.Boolean, "off", "Serve /api/v1/health (404 otherwise)."),
        new("hc_errors_count", PropertyType.Integer, "5", "Output errors within HC_Period above which /api/v1/health answers 500.") { Min = 0, Max = int.MaxValue },
        new("hc_retry_failure_count", PropertyType.Integer, "5", "Failed retries within HC_Period above which /api/v1/health answers 500.") { Min = 0, Max = int.MaxValue },
        new("hc_period", PropertyType.Integer, "60", "Seconds over which the health check counts errors and failed retries.") { Min = 1, Max = 86_400 },
    ];

    public static MonitoringSettings From(PluginProperties service)
    {
        long Integer(string key, long fallback) => service.Get(key) is { } raw ? PropertyValues.ParseInteger(key, raw) : fallback;
        bool Bool(string key) => service.Get(key) is { } raw && PropertyValues.ParseBool(key, raw);
        return new MonitoringSettings
        {
            Enabled = Bool("http_server"),
            Listen = service.Get("http_listen") is { } l && l.Trim().Length > 0 ? l.Trim() : DefaultListen,
            Port = (int)Integer("http_port", DefaultPort),
            HealthCheck = Bool("health_check"),
            ErrorsCount = Integer("hc_errors_count", 5),
            RetryFailureCount = Integer("hc_retry_failure_count", 5),
            PeriodSeconds = (int)Integer("hc_period", 60),
        };
    }
}
