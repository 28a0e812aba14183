using System.Net;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Net.Http;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Monitoring;

/// <summary>
/// The [SERVICE] HTTP_Server of one pipeline: Fluent Bit's monitoring endpoints over HTTP/1.1 (the
/// shared StreamServer and HttpRequestReader), answered from the live counters at each request, and
/// the health check sampled once a second.
/// </summary>
public sealed class MonitoringServer : IDisposable
{
    private const string Owner = "http_server";
    private const string JsonType = "application/json";
    private const string PrometheusType = "text/plain; version=0.0.4";

    private readonly AgentPipeline _pipeline;
    private readonly MonitoringSettings _settings;
    private readonly HealthCheck _health;
    private readonly StreamServer _server;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private Timer? _sampler;
    private int? _claimedPort;

    public MonitoringServer(AgentPipeline pipeline, MonitoringSettings settings, AgentLog log)
    {
        _pipeline = pipeline;
        _settings = settings;
        _health = new HealthCheck(settings);
        var endpoint = new ServerEndpoint { Listen = settings.Listen, Port = settings.Port, MaxBufferSize = 64 * 1024, MaxConnections = 64 };
        _server = new StreamServer(endpoint, Owner, log, ServeAsync);
    }

    /// <summary>The bound address (HTTP_Port 0 picks one).</summary>
    public EndPoint? LocalEndPoint => _server.LocalEndPoint;

    /// <summary>The TCP port bound (the one HTTP_Port 0 picked), kept after the server is stopped; null before it binds.</summary>
    public int? Port { get; private set; }

    public HealthCheck Health => _health;

    /// <summary>Claims the port in this session, binds it and starts serving; throws a PluginException naming the port on failure.</summary>
    public void Start()
    {
        if (_settings.Port != 0)
        {
            MonitoringPorts.Claim(_settings.Listen, _settings.Port, _pipeline.Name);
            _claimedPort = _settings.Port;
        }
        try
        {
            _server.Bind();
            Port = (_server.LocalEndPoint as IPEndPoint)?.Port;
        }
        catch (Plugins.PluginException ex)
        {
            throw new Plugins.PluginException($"pipeline '{_pipeline.Name}': the monitoring API (HTTP_Server On) {ex.Message.Replace(Owner + ": ", "")}", ex);
        }
        // The port HTTP_Port 0 picked is claimed too: with SO_REUSEPORT another pipeline asking for
        // it by number could bind it as well.
        if (_settings.Port == 0 && Port is int picked)
        {
            MonitoringPorts.Claim(_settings.Listen, picked, _pipeline.Name);
            _claimedPort = picked;
        }
        _thread = new Thread(() => _server.Run(_stop.Token)) { IsBackground = true, Name = $"CoreAgent http_server {_pipeline.Name}" };
        _thread.Start();
        if (_settings.HealthCheck) _sampler = new Timer(_ => SampleHealth(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void SampleHealth()
    {
        var report = MetricsReport.Of(_pipeline);
        _health.Sample(report.OutputTotal("errors"), report.OutputTotal("retries_failed"));
    }

    private async Task ServeAsync(NetConnection connection, CancellationToken cancellation)
    {
        var reader = new HttpRequestReader(connection, connection.Endpoint.MaxBufferSize);
        try
        {
            while (true)
            {
                HttpRequest? request;
                try
                {
                    request = await reader.ReadAsync(cancellation).ConfigureAwait(false);
                }
                catch (BadHttpRequestException ex)
                {
                    await connection.SendAsync(HttpResponse.Format(ex.Status, ex.Body, close: true), cancellation).ConfigureAwait(false);
                    throw;
                }
                if (request is null) return;
                var (status, type, body) = Answer(request);
                var headers = type is null ? null : new[] { new KeyValuePair<string, string>("Content-Type", type) };
                await connection.SendAsync(HttpResponse.Format(status, body, !request.KeepAlive, headers), cancellation).ConfigureAwait(false);
                if (!request.KeepAlive) return;
            }
        }
        finally
        {
            reader.Release();
        }
    }

    /// <summary>The status, content type and body for a request (also what the tests call directly).</summary>
    public (int Status, string? ContentType, string Body) Answer(HttpRequest request)
    {
        if (request.Method != "GET") return (405, null, "");
        return request.Path.TrimEnd('/') switch
        {
            "" => (200, JsonType, MonitoringFormats.BuildInfo()),
            "/api/v1/uptime" => (200, JsonType, MonitoringFormats.Uptime(_pipeline.Uptime)),
            "/api/v1/metrics" => (200, JsonType, MonitoringFormats.Metrics(MetricsReport.Of(_pipeline))),
            "/api/v1/metrics/prometheus" => (200, PrometheusType, MonitoringFormats.PrometheusV1(MetricsReport.Of(_pipeline), DateTimeOffset.UtcNow)),
            "/api/v2/metrics/prometheus" => (200, PrometheusType, MonitoringFormats.PrometheusV2(MetricsReport.Of(_pipeline, withPluginMetrics: true), Environment.MachineName)),
            "/api/v1/storage" => (200, JsonType, MonitoringFormats.Storage(_pipeline)),
            "/api/v1/health" when _settings.HealthCheck => _health.IsHealthy ? (200, null, "ok\n") : (500, null, "error\n"),
            _ => (404, null, ""),
        };
    }

    public void Dispose()
    {
        _sampler?.Dispose();
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(10));
        _server.Dispose();
        if (_claimedPort is int port) MonitoringPorts.Release(_settings.Listen, port);
        _claimedPort = null;
    }
}
