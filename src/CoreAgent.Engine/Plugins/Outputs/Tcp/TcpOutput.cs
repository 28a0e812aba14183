using System.Collections.Concurrent;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs.Tcp;

/// <summary>
/// Fluent Bit's out_tcp: writes each chunk to Host:Port as msgpack (the chunk's bytes) or JSON
/// (json, json_lines, json_stream, formatted as the stdout output), optionally over TLS with
/// verification on by default. Idle connections are reused; a failed connect or write closes the
/// connection and answers FLB_RETRY.
/// </summary>
public sealed class TcpOutput : IOutputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "tcp",
        Description = "TCP Output",
        Type = PluginType.Output,
        CreateOutput = () => new TcpOutput(),
        Properties =
        [
            new("host", PropertyType.String, "127.0.0.1", "The server's host."),
            new("port", PropertyType.Integer, "5170", "The server's TCP port.") { Min = 1, Max = 65535 },
            new("format", PropertyType.String, "msgpack", "Payload format: msgpack, json, json_lines or json_stream.")
                { OneOf = ["msgpack", "json", "json_lines", "json_stream"] },
            new("json_date_key", PropertyType.String, "date", "Key of the record time in JSON formats; false leaves it out."),
            new("json_date_format", PropertyType.String, "double", "double, epoch, epoch_ms, iso8601 or java_sql_timestamp."),
            new("net.io_timeout", PropertyType.Integer, "60", "Seconds to wait for a connection or a write.") { Min = 1, Max = 86_400 },
            .. TlsOptions.ClientProperties(),
        ],
    };

    private readonly ConcurrentBag<TcpClientConnection> _idle = [];
    private OutputContext _context = null!;
    private OutputPayload _payload = null!;
    private TlsOptions _tls = new();
    private string _host = "127.0.0.1";
    private int _port = 5170;
    private TimeSpan _timeout = TimeSpan.FromSeconds(60);

    public void Init(OutputContext context)
    {
        _context = context;
        _host = context.GetString("host", "127.0.0.1").Trim();
        _port = (int)context.GetInteger("port", 5170);
        _timeout = TimeSpan.FromSeconds(context.GetInteger("net.io_timeout", 60));
        if (!OutputPayload.TryParse(context.GetString("format", "msgpack"), out var format) || format == PayloadFormat.Gelf)
            throw new PropertyException("format", $"unrecognized 'format' option '{context.Properties.Get("format")}' (msgpack, json, json_lines or json_stream)");
        if (!StdoutFormatter.TryParseDateFormat(context.GetString("json_date_format", "double"), out var dateFormat))
            throw new PropertyException("json_date_format", $"invalid json_date_format '{context.Properties.Get("json_date_format")}'");
        _payload = new OutputPayload(format, StdoutFormatter.ParseDateKey(context.GetString("json_date_key", "date")), dateFormat, new Http.GelfFields());
        _tls = TlsOptions.From(context);
    }

    public FlushResult Flush(Chunk chunk)
    {
        byte[] payload;
        try
        {
            payload = _payload.Compose(chunk.Tag, chunk.Memory);
        }
        catch (FormatException ex)
        {
            _context.Log.Error(_context.InstanceName, $"cannot format chunk {chunk}: {ex.Message}");
            return FlushResult.Error;
        }
        TcpClientConnection? connection = null;
        try
        {
            while (_idle.TryTake(out var idle))
            {
                if (!idle.LooksClosed()) { connection = idle; break; }
                idle.Dispose();
            }
            connection ??= TcpClientConnection.Connect(_host, _port, null, _tls, _timeout);
            connection.Stream.Write(payload);
            connection.Stream.Flush();
            _idle.Add(connection);
            return FlushResult.Ok;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            connection?.Dispose();
            _context.Log.Error(_context.InstanceName, $"could not write payload to {_host}:{_port}: {ex.Message}");
            return FlushResult.Retry;
        }
    }

    public void Exit()
    {
        while (_idle.TryTake(out var connection)) connection.Dispose();
    }
}
