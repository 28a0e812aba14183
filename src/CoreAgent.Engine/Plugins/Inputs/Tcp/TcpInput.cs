using System.Globalization;
using System.Text;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Inputs.Tcp;

/// <summary>
/// Fluent Bit's in_tcp: JSON objects (concatenated or one per line) or raw text split on a
/// separator, over TCP or TLS. Each JSON map is a record, an array becomes <c>{"msg": [...]}</c>, a
/// text segment <c>{"log": "..."}</c>; all are stamped with the time they arrive.
/// </summary>
public sealed class TcpInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "tcp",
        Description = "TCP",
        Type = PluginType.Input,
        CreateInput = () => new TcpInput(),
        Properties =
        [
            .. ServerEndpoint.Properties(5170, "32", "32", unixPath: false).Where(p => !p.Name.StartsWith("buffer_", StringComparison.Ordinal)),
            new("format", PropertyType.String, "json", "Payload format: json (maps, concatenated or one per line) or none (text split on separator)."),
            new("separator", PropertyType.String, "\\n", "With format none, the string that ends a record (escapes such as \\n, \\r, \\t are read)."),
            new("chunk_size", PropertyType.String, "32", "How much a connection reads at a time, in KB (as Fluent Bit: a number of KB)."),
            new("buffer_size", PropertyType.String, null, "The largest message a connection may hold, in KB (default: chunk_size)."),
            new("source_address_key", PropertyType.String, null, "Add the peer's address (tcp://ip:port) to each record under this key."),
        ],
    };

    private InputContext _context = null!;
    private StreamServer _server = null!;

    /// <summary>The bound address, once started (tests use Port 0).</summary>
    public System.Net.EndPoint? LocalEndPoint => _server?.LocalEndPoint;

    public void Init(InputContext context)
    {
        _context = context;
        int chunk = Kilobytes(context, "chunk_size", 32);
        int max = Math.Max(chunk, Kilobytes(context, "buffer_size", chunk / 1024));
        var endpoint = ServerEndpoint.FromContext(context, 5170, chunk, max) with { ChunkSize = chunk, MaxBufferSize = max };
        bool json = context.GetString("format", "json").Trim().ToLowerInvariant() switch
        {
            "json" => true,
            "none" => false,
            var other => throw new PropertyException("format", $"unrecognized format value '{other}' (json or none)"),
        };
        byte[] separator = Unescape(context.GetString("separator", "\\n"));
        if (separator.Length == 0) throw new PropertyException("separator", "invalid separator (empty)");
        var settings = new TcpSettings(json, separator, context.Properties.Get("source_address_key"));
        _server = new StreamServer(endpoint, context.InstanceName, context.Log, (connection, token) =>
            new TcpSession(connection, context.Emitter, settings, context.Log, context.InstanceName).RunAsync(token));
        _server.Bind();
    }

    public void Run(CancellationToken cancellation)
    {
        try { _server.Run(cancellation); }
        finally { _server.Dispose(); }
    }

    // Fluent Bit reads these with atoi() * 1024: "32", and "32K" too, mean 32 KB.
    private static int Kilobytes(PluginContext context, string key, int fallbackKb)
    {
        string? text = context.Properties.Get(key)?.Trim();
        if (text is null) return fallbackKb * 1024;
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits == 0 || !int.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out int kb) || kb <= 0 || kb > 1_000_000)
            throw new PropertyException(key, $"'{text}' is not a size in KB (for example 32)");
        return kb * 1024;
    }

    /// <summary>Reads \n, \r, \t, \0, \\ and \" as flb_unescape_string does; other characters stay.</summary>
    internal static byte[] Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length) { result.Append(text[i]); continue; }
            char next = text[++i];
            result.Append(next switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v', _ => next });
        }
        return Encoding.UTF8.GetBytes(result.ToString());
    }
}

internal sealed record TcpSettings(bool Json, byte[] Separator, string? SourceAddressKey);
