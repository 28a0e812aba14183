using System.Collections.Concurrent;
using System.Security.Cryptography;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.Forward;

/// <summary>
/// The forward output: sends each chunk to a Fluentd or Fluent Bit aggregator in Forward mode (see
/// <see cref="ForwardMessage"/>). Idle connections are reused; a connection that fails, a refused
/// handshake or a missing ack closes the connection and answers FLB_RETRY, so nothing unacknowledged
/// is counted as sent.
/// </summary>
public sealed class ForwardOutput : IOutputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "forward",
        Description = "Forward (Fluentd protocol)",
        Type = PluginType.Output,
        CreateOutput = () => new ForwardOutput(),
        Properties =
        [
            new("host", PropertyType.String, "127.0.0.1", "The aggregator's host."),
            new("port", PropertyType.Integer, "24224", "The aggregator's TCP port.") { Min = 1, Max = 65535 },
            new("unix_path", PropertyType.String, null, "A Unix socket to connect to instead of host and port.") { PathValue = PathValue.Single },
            new("tag", PropertyType.String, null, "Send every record under this tag instead of the chunk's."),
            new("require_ack_response", PropertyType.Boolean, "false", "Ask for an ack per chunk; a chunk not acknowledged is retried."),
            new("compress", PropertyType.String, null, "gzip sends CompressedPackedForward messages."),
            new("send_options", PropertyType.Boolean, "false", "Always send the option map (size, chunk, compressed)."),
            new("time_as_integer", PropertyType.Boolean, "false", "Send the time as integer seconds instead of EventTime."),
            new("shared_key", PropertyType.String, null, "Shared key of the HELO/PING/PONG handshake."),
            new("empty_shared_key", PropertyType.Boolean, "false", "Run the handshake with an empty shared key."),
            new("self_hostname", PropertyType.String, "localhost", "This host's name in the handshake."),
            new("username", PropertyType.String, "", "User name for the server's user authentication."),
            new("password", PropertyType.String, "", "Password for the server's user authentication."),
            new("net.io_timeout", PropertyType.Integer, "60", "Seconds to wait for a connection, a write, a handshake step or an ack.") { Min = 1, Max = 86_400 },
            .. TlsOptions.ClientProperties(),
        ],
    };

    private readonly ConcurrentBag<ForwardConnection> _idle = [];
    private OutputContext? _context;
    private string _host = "127.0.0.1";
    private int _port = 24224;
    private string? _unixPath;
    private string? _tag;
    private bool _ack, _gzip, _sendOptions, _timeAsInteger;
    private string? _sharedKey;
    private string _selfHostname = "localhost", _username = "", _password = "";
    private TimeSpan _timeout = TimeSpan.FromSeconds(60);
    private TlsOptions _tls = new();

    public void Init(OutputContext context)
    {
        _context = context;
        _host = context.GetString("host", "127.0.0.1");
        if (_host.Length == 0) _host = "127.0.0.1";
        _port = (int)context.GetInteger("port", 24224);
        _unixPath = context.Properties.Get("unix_path");
        _tag = context.Properties.Get("tag");
        _ack = context.GetBool("require_ack_response", false);
        _sendOptions = context.GetBool("send_options", false);
        _timeAsInteger = context.GetBool("time_as_integer", false);
        _gzip = context.Properties.Get("compress") is { } compress && compress.Trim().ToLowerInvariant() switch
        {
            "gzip" => true,
            _ => throw new PluginException($"{context.InstanceName}: invalid compress '{compress}' (only gzip is supported)"),
        };
        _sharedKey = context.Properties.Get("shared_key");
        if (_sharedKey is null && context.GetBool("empty_shared_key", false)) _sharedKey = "";
        _selfHostname = context.GetString("self_hostname", "localhost");
        _username = context.GetString("username", "");
        _password = context.GetString("password", "");
        _timeout = TimeSpan.FromSeconds(context.GetInteger("net.io_timeout", 60));
        _tls = TlsOptions.From(context);
    }

    private string Peer => _unixPath is null ? $"{_host}:{_port}" : $"unix:{_unixPath}";

    public FlushResult Flush(Chunk chunk)
    {
        var context = _context ?? throw new InvalidOperationException("the forward output was not initialised");
        string? chunkId = _ack ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)) : null;
        byte[] message;
        try
        {
            message = ForwardMessage.Build(_tag ?? chunk.Tag, chunk.Memory, _gzip, chunkId, _sendOptions, _timeAsInteger);
        }
        catch (Exception ex) when (ex is FormatException or MessagePackSerializationException or EndOfStreamException)
        {
            context.Log.Error(context.InstanceName, $"chunk {chunk}: cannot read the events: {ex.Message}");
            return FlushResult.Error;
        }

        ForwardConnection? connection = null;
        try
        {
            connection = Take();
            connection.Write(message);
            if (chunkId is not null) WaitForAck(connection, chunkId);
            _idle.Add(connection);
            connection = null;
            return FlushResult.Ok;
        }
        catch (Exception ex) when (ex is IOException or MessagePackSerializationException or EndOfStreamException or ObjectDisposedException)
        {
            context.Log.Write(LogLevel.Warn, context.InstanceName, $"chunk {chunk} to {Peer}: {ex.Message}; it will be retried");
            return FlushResult.Retry;
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private ForwardConnection Take()
    {
        while (_idle.TryTake(out var idle))
        {
            if (!idle.LooksClosed()) return idle;
            idle.Dispose();
        }
        var connection = new ForwardConnection(TcpClientConnection.Connect(_host, _port, _unixPath, _tls, _timeout), _timeout);
        try
        {
            if (_sharedKey is not null) ForwardHandshake.Run(connection, _selfHostname, _sharedKey, _username, _password);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void WaitForAck(ForwardConnection connection, string chunkId)
    {
        var answer = connection.ReadMessage();
        var r = new MessagePackReader(answer);
        if (r.NextMessagePackType != MessagePackType.Map) throw new IOException($"{connection.Peer}: the ack is not a map");
        int pairs = r.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            var key = r.NextMessagePackType == MessagePackType.String ? r.ReadString() : null;
            if (key is null) { r.Skip(); r.Skip(); continue; }
            if (key == "ack")
            {
                var value = r.NextMessagePackType == MessagePackType.String ? r.ReadString() : null;
                if (value == chunkId) return;
                throw new IOException($"{connection.Peer}: ack '{value}' does not match chunk '{chunkId}'");
            }
            r.Skip();
        }
        throw new IOException($"{connection.Peer}: the answer has no ack");
    }

    public void Exit()
    {
        while (_idle.TryTake(out var connection)) connection.Dispose();
    }
}
