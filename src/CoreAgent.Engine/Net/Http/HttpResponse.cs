using System.Text;

namespace CoreAgent.Engine.Net.Http;

/// <summary>Formats the small HTTP/1.1 responses a receiving server sends.</summary>
public static class HttpResponse
{
    public static string ReasonOf(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };

    /// <summary>
    /// The bytes of a response with a Content-Length (none for 204), the extra headers given, and
    /// "Connection: close" when the server closes after it.
    /// </summary>
    public static byte[] Format(int status, string body, bool close, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var text = new StringBuilder(128 + body.Length);
        text.Append("HTTP/1.1 ").Append(status).Append(' ').Append(ReasonOf(status)).Append("\r\n");
        text.Append("Server: CoreAgent\r\n");
        foreach (var (key, value) in headers ?? []) text.Append(key).Append(": ").Append(value).Append("\r\n");
        if (status != 204) text.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n");
        if (close) text.Append("Connection: close\r\n");
        text.Append("\r\n");
        if (status != 204) text.Append(body);
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
