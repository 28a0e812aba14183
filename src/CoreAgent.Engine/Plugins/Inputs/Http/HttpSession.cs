using System.Globalization;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Net.Http;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Plugins.Inputs.Http;

/// <summary>
/// One HTTP connection: reads requests in turn (keep-alive), writes each body's records and answers
/// successful_response_code, or 400 with the reason Fluent Bit gives. A request that breaks HTTP
/// itself is answered and the connection closed; the StreamServer logs it with the peer.
/// </summary>
internal sealed class HttpSession(NetConnection connection, TaggedEmitter emitter, HttpSettings settings, AgentLog log, string owner)
{
    private static readonly TimeSpan PausePoll = TimeSpan.FromMilliseconds(10);

    private readonly HttpRequestReader _reader = new(connection, connection.Endpoint.MaxBufferSize);
    private readonly HttpBodyDecoder _decoder = new(settings.TagKey, connection.Endpoint.MaxBufferSize);

    public async Task RunAsync(CancellationToken cancellation)
    {
        try
        {
            while (true)
            {
                // Under Mem_Buf_Limit the next request waits in the socket: the peer sees back-pressure, not errors.
                while (emitter.IsPaused) await Task.Delay(PausePoll, cancellation).ConfigureAwait(false);
                HttpRequest? request;
                try
                {
                    request = await _reader.ReadAsync(cancellation).ConfigureAwait(false);
                }
                catch (BadHttpRequestException ex)
                {
                    await TrySendAsync(HttpResponse.Format(ex.Status, ex.Body, close: true), cancellation).ConfigureAwait(false);
                    throw;
                }
                if (request is null) return;
                var (status, body) = Handle(request);
                bool success = status is 200 or 201 or 204;
                await connection.SendAsync(HttpResponse.Format(status, body, !request.KeepAlive, success ? settings.SuccessHeaders : null), cancellation).ConfigureAwait(false);
                if (!request.KeepAlive) return;
            }
        }
        finally
        {
            _reader.Release();
        }
    }

    private (int Status, string Body) Handle(HttpRequest request)
    {
        string path = request.Path;
        if (!path.StartsWith('/')) return Refuse(request, "error: invalid request\n", $"request target '{Clip(request.Target)}' is not a path");
        if (request.Method == "GET" && path == "/health") return (200, HealthMessage());
        if (request.Method != "POST") return Refuse(request, "error: invalid HTTP method\n", $"method {request.Method} is not POST");
        string tag = TagOf(path);
        string? error = _decoder.Decode(request.Header("Content-Type"), request.Header("Content-Encoding"), request.Body, tag, emitter, out string? why);
        if (error is not null) return Refuse(request, error, why ?? error.TrimEnd());
        if (_decoder.TagKeyMissing > 0)
        {
            log.Warn(owner, $"tag_key '{settings.TagKey}' not found in {_decoder.TagKeyMissing} record(s) from {connection.Peer}; they keep tag {tag}");
            _decoder.ResetCounts();
        }
        if (_decoder.Skipped > 0)
        {
            log.Warn(owner, $"skipped {_decoder.Skipped} array element(s) from {connection.Peer} that are not maps");
            _decoder.ResetCounts();
        }
        return (settings.SuccessCode, "");
    }

    private (int, string) Refuse(HttpRequest request, string body, string why)
    {
        log.Warn(owner, $"answered 400 to {connection.Peer} ({request.Method} {Clip(request.Path)}): {why}");
        return (400, body);
    }

    // "/app.log" is tag app.log; "/" is the instance's tag. As Fluent Bit: URL-decoded, the query
    // dropped, and every byte other than a letter, a digit, '_' or '.' replaced by '_'.
    private string TagOf(string path)
    {
        if (path.Length <= 1) return settings.DefaultTag;
        string decoded;
        try { decoded = Uri.UnescapeDataString(path[1..]); }
        catch (UriFormatException) { decoded = path[1..]; }
        var bytes = Encoding.UTF8.GetBytes(decoded);
        for (int i = 0; i < bytes.Length; i++)
            if (!(char.IsAsciiLetterOrDigit((char)bytes[i]) || bytes[i] is (byte)'_' or (byte)'.')) bytes[i] = (byte)'_';
        return _decoder.Intern(bytes);
    }

    private static string HealthMessage() =>
        "{\n  \"status\": \"ok\",\n  \"message\": \"I can only show you the door. You're the one that has to walk through it.\",\n  \"timestamp\": \""
        + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture) + "\"\n}\n";

    private async ValueTask TrySendAsync(byte[] response, CancellationToken cancellation)
    {
        try { await connection.SendAsync(response, cancellation).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
