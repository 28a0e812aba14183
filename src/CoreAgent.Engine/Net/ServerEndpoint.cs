using System.Net;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Net;

/// <summary>
/// Where and how a network input listens: a TCP address and port or a Unix socket path, optional
/// TLS, and the bounds every connection's buffer keeps. Read from the instance's properties.
/// </summary>
public sealed record ServerEndpoint
{
    /// <summary>CoreAgent listens on loopback unless told otherwise; Fluent Bit's default is 0.0.0.0.</summary>
    public const string DefaultListen = "127.0.0.1";

    public string Listen { get; init; } = DefaultListen;
    public int Port { get; init; }
    public string? UnixPath { get; init; }
    public int UnixPermissions { get; init; } = Convert.ToInt32("644", 8);
    public TlsServerSettings? Tls { get; init; }

    /// <summary>How much a connection reads at a time.</summary>
    public int ChunkSize { get; init; } = 32 * 1024;

    /// <summary>The most a connection may hold unparsed; a larger message closes the connection.</summary>
    public int MaxBufferSize { get; init; } = 6_144_000;

    /// <summary>How long a connection may sit on an incomplete message before it is closed as stalled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connections accepted at once; more are refused with a log line.</summary>
    public int MaxConnections { get; init; } = 1024;

    public string Describe() => UnixPath is not null ? $"unix:{UnixPath}" : $"{Listen}:{Port}";

    /// <summary>The listening properties every network input declares (Listen, Port, tls.*, buffers, net.io_timeout).</summary>
    public static IReadOnlyList<PropertySpec> Properties(int defaultPort, string defaultChunk, string defaultMax, bool unixPath) =>
    [
        new("listen", PropertyType.String, DefaultListen, "Address to listen on. CoreAgent's default is loopback; Fluent Bit's is 0.0.0.0."),
        new("port", PropertyType.Integer, defaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "TCP (or UDP) port to listen on."),
        .. (unixPath
            ? new PropertySpec[]
            {
                new("unix_path", PropertyType.String, null, "Listen on this Unix socket instead of TCP.") { PathValue = PathValue.Single },
                new("unix_perm", PropertyType.String, "0644", "Permissions of the Unix socket file (octal)."),
            }
            : []),
        new("buffer_chunk_size", PropertyType.Size, defaultChunk, "How much a connection reads at a time."),
        new("buffer_max_size", PropertyType.Size, defaultMax, "The largest message a connection may send; a larger one closes the connection."),
        new("net.io_timeout", PropertyType.Integer, "60", "Seconds a connection may stall in the middle of a message before it is closed (0: never)."),
        new("tls", PropertyType.Boolean, "off", "Accept TLS connections (needs tls.crt_file and tls.key_file)."),
        new("tls.crt_file", PropertyType.String, null, "PEM certificate (chain) of the server.") { PathValue = PathValue.Single },
        new("tls.key_file", PropertyType.String, null, "PEM private key of the certificate.") { PathValue = PathValue.Single },
        new("tls.key_passwd", PropertyType.String, null, "Password of an encrypted private key."),
        new("tls.verify", PropertyType.Boolean, "on", "Ask TLS clients for a certificate and refuse one that does not chain to tls.ca_file (or the system's roots); clients without one are accepted, as in Fluent Bit."),
        new("tls.ca_file", PropertyType.String, null, "PEM file of the CAs a client certificate must chain to (with tls.verify on).") { PathValue = PathValue.Single },
        new("tls.ca_path", PropertyType.String, null, "Not implemented (warns); use tls.ca_file."),
        new("tls.debug", PropertyType.Integer, "1", "Accepted for compatibility; has no effect."),
        new("tls.min_version", PropertyType.String, null, "Lowest TLS version accepted (TLSv1.2 or TLSv1.3)."),
    ];

    public static ServerEndpoint FromContext(PluginContext context, int defaultPort, int defaultChunk, int defaultMax)
    {
        string listen = context.GetString("listen", DefaultListen).Trim();
        long port = context.GetInteger("port", defaultPort);
        if (port is < 0 or > 65535) throw new PropertyException("port", $"{port} is not a port number (0 to 65535)");
        string? unixPath = context.Properties.Get("unix_path") is { Length: > 0 } p ? p.Trim() : null;
        int perm = Convert.ToInt32("644", 8);
        if (context.Properties.Get("unix_perm") is { } permText)
        {
            try { perm = Convert.ToInt32(permText.Trim(), 8); }
            catch (FormatException) { throw new PropertyException("unix_perm", $"'{permText}' is not an octal permission such as 0644"); }
        }
        long chunk = context.Properties.Get("buffer_chunk_size") is { } c ? PropertyValues.ParseSize("buffer_chunk_size", c) : defaultChunk;
        long max = context.Properties.Get("buffer_max_size") is { } m ? PropertyValues.ParseSize("buffer_max_size", m) : defaultMax;
        if (chunk <= 0) throw new PropertyException("buffer_chunk_size", "must be positive");
        if (max < chunk) max = chunk;
        long timeout = context.GetInteger("net.io_timeout", 60);
        return new ServerEndpoint
        {
            Listen = listen,
            Port = (int)port,
            UnixPath = unixPath,
            UnixPermissions = perm,
            Tls = TlsServerSettings.FromContext(context),
            ChunkSize = (int)Math.Min(chunk, int.MaxValue / 2),
            MaxBufferSize = (int)Math.Min(max, int.MaxValue / 2),
            StallTimeout = timeout <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(timeout),
        };
    }

    /// <summary>True when an address only accepts local peers.</summary>
    public static bool IsLoopback(string listen)
    {
        string value = listen.Trim().Trim('[', ']');
        if (value.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(value, out var address) && IPAddress.IsLoopback(address);
    }
}
