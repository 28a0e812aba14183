using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace CoreAgent.Engine.Net.Http;

/// <summary>
/// Reads HTTP/1.0 and 1.1 requests from a connection, one after another (keep-alive and
/// pipelining), strictly and with bounds: a head of at most <see cref="MaxHeadBytes"/> and
/// <see cref="MaxHeaders"/> lines, a body (Content-Length or chunked) of at most the endpoint's
/// buffer_max_size. Anything else is an <see cref="BadHttpRequestException"/> carrying the status to
/// answer. "Expect: 100-continue" is answered before the body is read, as curl waits for it.
/// </summary>
public sealed class HttpRequestReader(NetConnection connection, int maxBodyBytes)
{
    public const int MaxHeadBytes = 64 * 1024;
    public const int MaxHeaders = 100;
    private const int MaxChunkLine = 1024;

    private static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _body = new();
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;
    private bool _completed;

    /// <summary>The next request, or null when the peer closed the connection between requests.</summary>
    public async ValueTask<HttpRequest?> ReadAsync(CancellationToken cancellation)
    {
        long head;
        while (true)
        {
            SkipEmptyLines();
            head = FindHeadEnd();
            if (head >= 0) break;
            if (_buffer.Length > MaxHeadBytes) throw new BadHttpRequestException(431, $"sent a request head larger than {MaxHeadBytes} bytes", "error: request header too large\n");
            if (!await FillAsync(partial: !_buffer.IsEmpty, cancellation).ConfigureAwait(false))
            {
                if (_buffer.IsEmpty) return null;
                throw new PeerProtocolException("closed the connection in the middle of a request head");
            }
        }
        if (head > MaxHeadBytes) throw new BadHttpRequestException(431, $"sent a request head larger than {MaxHeadBytes} bytes", "error: request header too large\n");
        string text = Encoding.Latin1.GetString(_buffer.Slice(0, head));
        Consume(head + 4);
        var (method, target, http11, headers) = ParseHead(text);
        bool keepAlive = KeepAlive(http11, Find(headers, "connection"));
        bool chunked = Framing(headers, out long length);
        if (length > maxBodyBytes) throw new BadHttpRequestException(413, $"sent a body of {length} bytes, more than buffer_max_size ({maxBodyBytes} bytes)", "error: payload too large\n");
        if ((chunked || length > 0) && http11 && Find(headers, "expect") is { } expect)
        {
            if (!expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase)) throw new BadHttpRequestException(417, $"sent 'Expect: {expect}'", "error: expectation failed\n");
            if (_buffer.IsEmpty) await connection.SendAsync(Continue, cancellation).ConfigureAwait(false);
        }
        _body.Clear();
        if (chunked) await ReadChunkedAsync(cancellation).ConfigureAwait(false);
        else if (length > 0) await ReadExactlyAsync(length, cancellation).ConfigureAwait(false);
        return new HttpRequest(method, target, http11, headers, _body.WrittenMemory, keepAlive);
    }

    /// <summary>Hands back what was read past the last request; call once the connection is done.</summary>
    public void Release()
    {
        if (_holding) connection.Input.AdvanceTo(_buffer.Start, _buffer.End);
        _holding = false;
    }

    private async ValueTask ReadExactlyAsync(long length, CancellationToken cancellation)
    {
        while (length > 0)
        {
            if (_buffer.IsEmpty && !await FillAsync(partial: true, cancellation).ConfigureAwait(false))
                throw new PeerProtocolException("closed the connection in the middle of a request body");
            long take = Math.Min(length, _buffer.Length);
            foreach (var segment in _buffer.Slice(0, take)) _body.Write(segment.Span);
            Consume(take);
            length -= take;
        }
    }

    private async ValueTask ReadChunkedAsync(CancellationToken cancellation)
    {
        while (true)
        {
            string line = await ReadLineAsync("a chunk size line", cancellation).ConfigureAwait(false);
            int semicolon = line.IndexOf(';');
            string hex = (semicolon >= 0 ? line[..semicolon] : line).Trim(' ', '\t');
            if (hex.Length is 0 or > 8 || !long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size))
                throw new BadHttpRequestException(400, $"sent a bad chunk size '{Clip(line)}'", "error: invalid chunked data\n");
            if (size == 0) break;
            if (_body.WrittenCount + size > maxBodyBytes)
                throw new BadHttpRequestException(413, $"sent a chunked body larger than buffer_max_size ({maxBodyBytes} bytes)", "error: payload too large\n");
            await ReadExactlyAsync(size, cancellation).ConfigureAwait(false);
            if (await ReadLineAsync("the end of a chunk", cancellation).ConfigureAwait(false) != "")
                throw new BadHttpRequestException(400, "sent a chunk longer than its size", "error: invalid chunked data\n");
        }
        // Trailer fields, up to the empty line; they are not used.
        for (int i = 0; ; i++)
        {
            if (i > MaxHeaders) throw new BadHttpRequestException(431, "sent too many trailer fields", "error: request header too large\n");
            if (await ReadLineAsync("a trailer field", cancellation).ConfigureAwait(false) == "") return;
        }
    }

    private async ValueTask<string> ReadLineAsync(string what, CancellationToken cancellation)
    {
        while (true)
        {
            var position = _buffer.PositionOf((byte)'\n');
            if (position is { } end)
            {
                var line = _buffer.Slice(0, end);
                if (line.Length > MaxChunkLine) break;
                Consume(line.Length + 1);
                if (line.Length == 0 || line.Slice(line.Length - 1).FirstSpan[0] != '\r')
                    throw new BadHttpRequestException(400, $"ended {what} without CR LF", "error: invalid chunked data\n");
                return Encoding.Latin1.GetString(line.Slice(0, line.Length - 1));
            }
            if (_buffer.Length > MaxChunkLine) break;
            if (!await FillAsync(partial: true, cancellation).ConfigureAwait(false))
                throw new PeerProtocolException($"closed the connection in the middle of {what}");
        }
        throw new BadHttpRequestException(400, $"sent {what} longer than {MaxChunkLine} bytes", "error: invalid chunked data\n");
    }

    private static (string Method, string Target, bool Http11, List<KeyValuePair<string, string>> Headers) ParseHead(string text)
    {
        var lines = text.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !IsToken(parts[0]) || parts[1].Length == 0 || parts[1].Any(c => c <= ' ' || c >= 0x7f))
            throw new BadHttpRequestException(400, $"sent a bad request line '{Clip(lines[0])}'", "error: invalid request\n");
        bool http11 = parts[2] switch
        {
            "HTTP/1.1" => true,
            "HTTP/1.0" => false,
            _ => throw new BadHttpRequestException(505, $"sent an unsupported protocol version '{Clip(parts[2])}'", "error: HTTP version not supported\n"),
        };
        if (lines.Length - 1 > MaxHeaders) throw new BadHttpRequestException(431, $"sent more than {MaxHeaders} header fields", "error: request header too large\n");
        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            int colon = line.IndexOf(':');
            // A field name is a token right before the colon; obsolete line folding is refused (RFC 9112 5.2).
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)) || line.Contains('\n') || line.Contains('\r'))
                throw new BadHttpRequestException(400, $"sent a bad header field '{Clip(line)}'", "error: invalid request\n");
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
        if (http11 && Find(headers, "host") is null) throw new BadHttpRequestException(400, "sent an HTTP/1.1 request without a Host header", "error: invalid request\n");
        return (parts[0], parts[1], http11, headers);
    }

    // True for chunked; otherwise the Content-Length (0 when absent).
    private static bool Framing(List<KeyValuePair<string, string>> headers, out long length)
    {
        length = 0;
        string? encoding = Find(headers, "transfer-encoding");
        string? contentLength = null;
        foreach (var (key, value) in headers)
        {
            if (!key.Equals("content-length", StringComparison.OrdinalIgnoreCase)) continue;
            if (contentLength is not null && contentLength != value) throw new BadHttpRequestException(400, "sent two different Content-Length headers", "error: invalid request\n");
            contentLength = value;
        }
        if (encoding is not null)
        {
            // Both framings at once is how requests are smuggled past proxies (RFC 9112 6.1): refuse it.
            if (contentLength is not null) throw new BadHttpRequestException(400, "sent both Transfer-Encoding and Content-Length", "error: invalid request\n");
            if (!encoding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
                throw new BadHttpRequestException(501, $"sent Transfer-Encoding '{Clip(encoding)}' (only chunked is supported)", "error: unsupported transfer encoding\n");
            return true;
        }
        if (contentLength is not null && (contentLength.Length is 0 or > 18 || !contentLength.All(char.IsAsciiDigit)
            || !long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out length)))
            throw new BadHttpRequestException(400, $"sent a bad Content-Length '{Clip(contentLength)}'", "error: invalid request\n");
        return false;
    }

    private static bool KeepAlive(bool http11, string? connection)
    {
        if (connection is null) return http11;
        foreach (var option in connection.Split(','))
        {
            var value = option.Trim();
            if (value.Equals("close", StringComparison.OrdinalIgnoreCase)) return false;
            if (value.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return http11;
    }

    private static string? Find(List<KeyValuePair<string, string>> headers, string name)
    {
        foreach (var (key, value) in headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    private static bool IsToken(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))) return false;
        return true;
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";

    // RFC 9112 2.2: a server should ignore empty lines before a request line.
    private void SkipEmptyLines()
    {
        Span<byte> two = stackalloc byte[2];
        while (_buffer.Length >= 2)
        {
            _buffer.Slice(0, 2).CopyTo(two);
            if (two[0] != '\r' || two[1] != '\n') return;
            Consume(2);
        }
    }

    private long FindHeadEnd()
    {
        var reader = new SequenceReader<byte>(_buffer);
        return reader.TryAdvanceTo((byte)'\r', advancePastDelimiter: false) && FindCrLfCrLf(ref reader, out long at) ? at : -1;
    }

    private static bool FindCrLfCrLf(ref SequenceReader<byte> reader, out long at)
    {
        at = -1;
        while (!reader.End)
        {
            if (reader.IsNext("\r\n\r\n"u8)) { at = reader.Consumed; return true; }
            reader.Advance(1);
            if (!reader.TryAdvanceTo((byte)'\r', advancePastDelimiter: false)) return false;
        }
        return false;
    }

    private void Consume(long count) => _buffer = _buffer.Slice(count);

    // Reads more; false at the end of the stream with nothing new. What is unconsumed stays in _buffer.
    private async ValueTask<bool> FillAsync(bool partial, CancellationToken cancellation)
    {
        if (_completed) return false;
        long before = _buffer.Length;
        if (_holding) connection.Input.AdvanceTo(_buffer.Start, _buffer.End);
        _holding = false;
        ReadResult result = await connection.ReadAsync(partial, cancellation).ConfigureAwait(false);
        _holding = true;
        _buffer = result.Buffer;
        _completed = result.IsCompleted;
        return _buffer.Length > before;
    }
}
