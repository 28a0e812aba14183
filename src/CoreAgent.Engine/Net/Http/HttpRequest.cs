namespace CoreAgent.Engine.Net.Http;

/// <summary>One parsed HTTP/1.x request. The body is valid until the next request is read.</summary>
public sealed class HttpRequest
{
    internal HttpRequest(string method, string target, bool http11, List<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, bool keepAlive)
    {
        Method = method;
        Target = target;
        IsHttp11 = http11;
        Headers = headers;
        Body = body;
        KeepAlive = keepAlive;
    }

    public string Method { get; }

    /// <summary>The request target as sent (path and query).</summary>
    public string Target { get; }

    public bool IsHttp11 { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body, de-chunked (Content-Encoding is left to the caller).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Whether the connection stays open after the response (HTTP/1.1 unless "Connection: close").</summary>
    public bool KeepAlive { get; }

    /// <summary>The first value of a header (names are case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    /// <summary>The path without the query string.</summary>
    public string Path => Target.IndexOf('?') is var q and >= 0 ? Target[..q] : Target;
}

/// <summary>
/// The peer sent a request that cannot be served: the connection answers <see cref="Status"/> with
/// <see cref="Body"/>, then closes, and the log names the peer and the reason.
/// </summary>
public sealed class BadHttpRequestException(int status, string reason, string body) : PeerProtocolException(reason)
{
    public int Status { get; } = status;
    public string Body { get; } = body;
}
