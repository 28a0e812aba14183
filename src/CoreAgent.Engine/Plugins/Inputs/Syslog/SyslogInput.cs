using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>
/// Fluent Bit's in_syslog: messages over UDP, TCP or a Unix socket (datagram or stream), parsed
/// with syslog-rfc5424 (udp, tcp) or syslog-rfc3164-local (unix modes) unless Parser says otherwise.
/// Stream modes take newline-terminated and octet-counted (RFC 6587) messages alike.
/// </summary>
public sealed class SyslogInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "syslog",
        Description = "Syslog",
        Type = PluginType.Input,
        CreateInput = () => new SyslogInput(),
        Properties =
        [
            new("mode", PropertyType.String, "unix_udp", "udp, tcp, unix_udp or unix_tcp."),
            .. ServerEndpoint.Properties(5140, "32768", "32768", unixPath: false),
            new("path", PropertyType.String, null, "The Unix socket path (unix_udp, unix_tcp).") { PathValue = PathValue.Single },
            new("unix_perm", PropertyType.String, "0644", "Permissions of the Unix socket file (octal)."),
            new("parser", PropertyType.String, null, "syslog-rfc5424 (default for udp and tcp), syslog-rfc3164-local (default for the unix modes) or syslog-rfc3164."),
        ],
    };

    private InputContext _context = null!;
    private StreamServer? _stream;
    private DatagramServer? _datagram;
    private SyslogSettings _settings = null!;

    /// <summary>The bound address, once started (tests use Port 0).</summary>
    public System.Net.EndPoint? LocalEndPoint => _stream?.LocalEndPoint ?? _datagram?.LocalEndPoint;

    public void Init(InputContext context)
    {
        _context = context;
        string mode = context.GetString("mode", "unix_udp").Trim().ToLowerInvariant();
        if (mode is not ("udp" or "tcp" or "unix_udp" or "unix_tcp")) throw new PropertyException("mode", $"unknown syslog mode '{mode}' (udp, tcp, unix_udp or unix_tcp)");
        bool unix = mode.StartsWith("unix_", StringComparison.Ordinal);
        var endpoint = ServerEndpoint.FromContext(context, 5140, 32768, 32768);
        if (unix)
        {
            string path = context.Properties.Get("path")?.Trim() is { Length: > 0 } p ? p : throw new PropertyException("path", $"mode {mode} needs the socket path");
            endpoint = endpoint with { UnixPath = path };
        }
        string parserName = context.Properties.Get("parser")?.Trim() ?? (unix ? "syslog-rfc3164-local" : "syslog-rfc5424");
        // A parser of the pipeline's Parsers_File wins, as flb_parser_get looks there; Fluent Bit's own syslog parsers are built in.
        IMessageParser parser = context.Parsers.Find(parserName) is { } defined ? new RegistryParser(defined)
            : SyslogParser.BuiltIn.TryGetValue(parserName, out var builtIn) ? builtIn
            : throw new PropertyException("parser", $"'{parserName}' is not a known parser (built in: {string.Join(", ", SyslogParser.BuiltIn.Keys)}; from Parsers_File: {context.Parsers.KnownNames})");
        _settings = new SyslogSettings(parser);
        if (mode is "udp" or "unix_udp")
        {
            _datagram = new DatagramServer(endpoint, context.InstanceName, context.Log);
            _datagram.Bind();
        }
        else
        {
            _stream = new StreamServer(endpoint, context.InstanceName, context.Log, (connection, token) =>
                new SyslogStreamSession(connection, new SyslogWriter(context.Emitter, _settings.Parser, context.Log, context.InstanceName)).RunAsync(token));
            _stream.Bind();
        }
    }

    public void Run(CancellationToken cancellation)
    {
        if (_stream is not null)
        {
            try { _stream.Run(cancellation); }
            finally { _stream.Dispose(); }
            return;
        }
        var writer = new SyslogWriter(_context.Emitter, _settings.Parser, _context.Log, _context.InstanceName);
        try
        {
            _datagram!.Run((datagram, peer) => writer.Write(SyslogFraming.TrimDatagram(datagram), peer), WaitWhilePaused, cancellation);
        }
        finally
        {
            _datagram!.Dispose();
        }
    }

    private void WaitWhilePaused(CancellationToken cancellation)
    {
        while (_context.Emitter.IsPaused && !cancellation.WaitHandle.WaitOne(10)) { }
    }
}

internal sealed record SyslogSettings(IMessageParser Parser);
