using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs.Http;

/// <summary>
/// Fluent Bit's out_http: POSTs each chunk to Host:Port/URI as msgpack, JSON (json, json_lines,
/// json_stream) or GELF, optionally gzip-compressed, with Basic auth and extra headers, over
/// System.Net.Http with pooled keep-alive connections and TLS verified by default. Status 200-205 is
/// success; 4xx other than 408 and 429 drops the chunk (FLB_ERROR) as Fluent Bit; anything else,
/// and a failed connection, is FLB_RETRY. Each answer is logged with the status and the start of its body.
/// </summary>
public sealed class HttpOutput : IOutputPlugin
{
    private const int ExcerptLength = 256;

    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "http",
        Description = "HTTP Output",
        Type = PluginType.Output,
        CreateOutput = () => new HttpOutput(),
        Properties =
        [
            new("host", PropertyType.String, "127.0.0.1", "The server's host."),
            new("port", PropertyType.Integer, "80", "The server's TCP port.") { Min = 1, Max = 65535 },
            new("uri", PropertyType.String, "/", "The request path (and query)."),
            new("format", PropertyType.String, "msgpack", "Body format: msgpack, json, json_lines, json_stream or gelf.")
                { OneOf = ["msgpack", "json", "json_lines", "json_stream", "gelf"] },
            new("json_date_key", PropertyType.String, "date", "Key of the record time in JSON formats; false leaves it out."),
            new("json_date_format", PropertyType.String, "double", "double, epoch, epoch_ms, iso8601 or java_sql_timestamp."),
            new("header", PropertyType.String, null, "An extra request header 'Name value'; may be repeated.") { Multiple = true },
            new("header_tag", PropertyType.String, null, "Send the chunk's tag in a header of this name."),
            new("compress", PropertyType.String, null, "gzip compresses the body (Content-Encoding: gzip)."),
            new("http_user", PropertyType.String, null, "Basic authentication user."),
            new("http_passwd", PropertyType.String, "", "Basic authentication password."),
            new("log_response_payload", PropertyType.Boolean, "true", "Log the start of each response's body."),
            new("gelf_timestamp_key", PropertyType.String, null, "Record key holding the GELF timestamp."),
            new("gelf_host_key", PropertyType.String, null, "Record key holding the GELF host."),
            new("gelf_short_message_key", PropertyType.String, null, "Record key holding the GELF short_message (required per record)."),
            new("gelf_full_message_key", PropertyType.String, null, "Record key holding the GELF full_message."),
            new("gelf_level_key", PropertyType.String, null, "Record key holding the GELF level."),
            new("net.connect_timeout", PropertyType.Integer, "10", "Seconds to wait for a connection.") { Min = 1, Max = 86_400 },
            new("net.io_timeout", PropertyType.Integer, "60", "Seconds to wait for a whole request and its answer.") { Min = 1, Max = 86_400 },
            .. TlsOptions.ClientProperties("Use HTTPS.", "Server name for verification when it differs from host."),
        ],
    };

    private OutputContext _context = null!;
    private HttpClient _client = null!;
    private OutputPayload _payload = null!;
    private Uri _uri = null!;
    private string _where = "";
    private bool _gzip, _logPayload;
    private string? _headerTag;
    private AuthenticationHeaderValue? _auth;
    private readonly List<KeyValuePair<string, string>> _headers = [];

    public void Init(OutputContext context)
    {
        _context = context;
        string host = context.GetString("host", "127.0.0.1").Trim();
        int port = (int)context.GetInteger("port", 80);
        string uri = context.GetString("uri", "/").Trim();
        if (!uri.StartsWith('/')) uri = "/" + uri;
        if (!OutputPayload.TryParse(context.GetString("format", "msgpack"), out var format))
            throw new PropertyException("format", $"unrecognized 'format' option '{context.Properties.Get("format")}' (msgpack, json, json_lines, json_stream or gelf)");
        if (!StdoutFormatter.TryParseDateFormat(context.GetString("json_date_format", "double"), out var dateFormat))
            throw new PropertyException("json_date_format", $"invalid json_date_format '{context.Properties.Get("json_date_format")}'");
        string? dateKey = StdoutFormatter.ParseDateKey(context.GetString("json_date_key", "date"));
        var gelf = new GelfFields(
            context.GetString("gelf_host_key", "host"), context.GetString("gelf_short_message_key", "short_message"),
            context.GetString("gelf_timestamp_key", "timestamp"), context.GetString("gelf_level_key", "level"),
            context.GetString("gelf_full_message_key", "full_message"));
        _payload = new OutputPayload(format, dateKey, dateFormat, gelf);
        _gzip = context.Properties.Get("compress")?.Trim().ToLowerInvariant() switch
        {
            null or "" => false,
            "gzip" => true,
            var other => throw new PropertyException("compress", $"'{other}' is not supported (gzip)"),
        };
        _logPayload = context.GetBool("log_response_payload", true);
        _headerTag = context.Properties.Get("header_tag")?.Trim();
        foreach (var header in context.Properties.GetAll("header"))
        {
            var text = header.Value.Trim();
            int space = text.IndexOfAny([' ', '\t']);
            if (space <= 0) throw new PropertyException("header", $"'{text}' is not 'Name value'");
            _headers.Add(new(text[..space], text[(space + 1)..].Trim()));
        }
        if (context.Properties.Get("http_user") is { } user)
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{context.GetString("http_passwd", "")}")));
        var tls = TlsOptions.From(context);
        _uri = new UriBuilder(tls.Enabled ? "https" : "http", host, port).Uri;
        _uri = new Uri(_uri, uri);
        _where = $"{host}:{port}";
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(context.GetInteger("net.connect_timeout", 10)),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        if (tls.Enabled) handler.SslOptions = tls.ClientOptions(host);
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(context.GetInteger("net.io_timeout", 60)) };
    }

    public FlushResult Flush(Chunk chunk)
    {
        byte[] body;
        try
        {
            body = _payload.Compose(chunk.Tag, chunk.Memory);
        }
        catch (FormatException ex)
        {
            _context.Log.Error(_context.InstanceName, $"cannot format chunk {chunk}: {ex.Message}");
            return FlushResult.Error;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Version = HttpVersion.Version11 };
        var content = new ByteArrayContent(_gzip ? Gzip.Compress(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(_payload.ContentType);
        if (_gzip) content.Headers.ContentEncoding.Add("gzip");
        request.Content = content;
        request.Headers.UserAgent.ParseAdd("Fluent-Bit");
        if (_auth is not null) request.Headers.Authorization = _auth;
        if (_headerTag is { Length: > 0 }) request.Headers.TryAddWithoutValidation(_headerTag, chunk.Tag);
        foreach (var (key, value) in _headers)
            if (!request.Headers.TryAddWithoutValidation(key, value)) content.Headers.TryAddWithoutValidation(key, value);
        HttpResponseMessage response;
        try
        {
            response = _client.Send(request);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            string why = ex is TaskCanceledException ? $"no answer within {_client.Timeout.TotalSeconds:0} s" : ex.InnerException?.Message ?? ex.Message;
            _context.Log.Error(_context.InstanceName, $"could not flush records to {_where} (http_do=-1): {why}");
            return FlushResult.Retry;
        }
        using (response)
        {
            int status = (int)response.StatusCode;
            string excerpt = _logPayload ? Excerpt(response) : "";
            string line = $"{_where}, HTTP status={status}{(excerpt.Length > 0 ? "\n" + excerpt : "")}";
            if (status is >= 200 and <= 205)
            {
                _context.Log.Info(_context.InstanceName, line);
                return FlushResult.Ok;
            }
            _context.Log.Error(_context.InstanceName, line);
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                _context.Log.Warn(_context.InstanceName, $"could not flush records to {_where} (http_do=0), chunk will not be retried");
                return FlushResult.Error;
            }
            return FlushResult.Retry;
        }
    }

    // The start of the answer's body, for the log: enough to see an error message, never the whole of a large one.
    private static string Excerpt(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStream();
            var buffer = new byte[ExcerptLength];
            int total = 0, n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
            string text = Encoding.UTF8.GetString(buffer, 0, total).TrimEnd();
            return total == buffer.Length ? text + "..." : text;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or TaskCanceledException)
        {
            return "";
        }
    }

    public void Exit() => _client?.Dispose();
}
