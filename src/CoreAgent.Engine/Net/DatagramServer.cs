using System.Net;
using System.Net.Sockets;
using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Net;

/// <summary>
/// Receives UDP or Unix datagrams and hands each to a handler with its sender's address. A
/// handler's exception drops that datagram only, with a log line naming the sender.
/// </summary>
public sealed class DatagramServer : IDisposable
{
    private readonly ServerEndpoint _endpoint;
    private readonly string _owner;
    private readonly AgentLog _log;
    private Socket? _socket;

    public DatagramServer(ServerEndpoint endpoint, string owner, AgentLog log)
    {
        _endpoint = endpoint;
        _owner = owner;
        _log = log;
    }

    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    public void Bind()
    {
        _socket = SocketBinder.Bind(_endpoint, SocketType.Dgram, _endpoint.UnixPath is null ? ProtocolType.Udp : ProtocolType.Unspecified, _owner);
        _socket.ReceiveBufferSize = Math.Max(_socket.ReceiveBufferSize, 1 << 20);
        _log.Info(_owner, $"listening on {(_endpoint.UnixPath is { } p ? $"unix:{p}" : _socket.LocalEndPoint?.ToString())} (datagrams)");
    }

    /// <summary>
    /// Receives until cancelled. <paramref name="waitWhilePaused"/> is called before each receive, so
    /// that a paused input leaves datagrams in the kernel's buffer (which drops them when full, as
    /// datagram sockets do).
    /// </summary>
    public void Run(DatagramHandler handler, Action<CancellationToken> waitWhilePaused, CancellationToken cancellation)
    {
        var socket = _socket ?? throw new InvalidOperationException("Bind first");
        var buffer = new byte[Math.Max(_endpoint.ChunkSize, 65536)];
        EndPoint any = _endpoint.UnixPath is null
            ? new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0)
            : new UnixDomainSocketEndPoint("\0");
        using var registration = cancellation.Register(() => socket.Dispose());
        while (!cancellation.IsCancellationRequested)
        {
            waitWhilePaused(cancellation);
            int length;
            string peer;
            try
            {
                if (_endpoint.UnixPath is null)
                {
                    var from = any;
                    length = socket.ReceiveFrom(buffer, ref from);
                    peer = from.ToString() ?? "?";
                }
                else
                {
                    length = socket.Receive(buffer);
                    peer = $"unix:{_endpoint.UnixPath}";
                }
            }
            catch (Exception) when (cancellation.IsCancellationRequested) { break; }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                _log.Warn(_owner, $"dropped a datagram: {ex.Message}");
                continue;
            }
            try
            {
                handler(buffer.AsSpan(0, length), peer);
            }
            catch (Exception ex)
            {
                _log.Warn(_owner, $"dropped a datagram from {peer}: {ex.Message}");
            }
        }
        SocketBinder.RemoveUnixPath(_endpoint);
    }

    public void Dispose() => _socket?.Dispose();
}

/// <summary>Handles one datagram and its sender's address.</summary>
public delegate void DatagramHandler(ReadOnlySpan<byte> datagram, string peer);
