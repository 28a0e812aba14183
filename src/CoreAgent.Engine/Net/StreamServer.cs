using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Net;

/// <summary>
/// Accepts TCP or Unix stream connections (optionally TLS) and runs a handler per connection. A
/// handler's exception closes only its own connection, with a log line naming the peer.
/// </summary>
public sealed class StreamServer : IDisposable
{
    private readonly ServerEndpoint _endpoint;
    private readonly string _owner;
    private readonly AgentLog _log;
    private readonly Func<NetConnection, CancellationToken, Task> _handler;
    private readonly Dictionary<int, Task> _connections = [];
    private Socket? _listener;
    private int _nextId;

    public StreamServer(ServerEndpoint endpoint, string owner, AgentLog log, Func<NetConnection, CancellationToken, Task> handler)
    {
        _endpoint = endpoint;
        _owner = owner;
        _log = log;
        _handler = handler;
    }

    /// <summary>The bound address (useful with Port 0).</summary>
    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Binds now, so that a port in use fails the pipeline's start with a clear message.</summary>
    public void Bind()
    {
        _listener = SocketBinder.Bind(_endpoint, SocketType.Stream, ProtocolType.Tcp, _owner);
        _listener.Listen(512);
        _log.Info(_owner, $"listening on {Describe()}{(_endpoint.Tls is null ? "" : " (tls)")}");
    }

    public string Describe() =>
        _endpoint.UnixPath is not null ? $"unix:{_endpoint.UnixPath}" : LocalEndPoint?.ToString() ?? _endpoint.Describe();

    /// <summary>Accepts connections until cancelled, then closes them all and returns.</summary>
    public void Run(CancellationToken cancellation) => RunAsync(cancellation).GetAwaiter().GetResult();

    private async Task RunAsync(CancellationToken cancellation)
    {
        var listener = _listener ?? throw new InvalidOperationException("Bind first");
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using (cancellation.Register(() => listener.Dispose()))
        {
            while (!cancellation.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptAsync(cancellation).ConfigureAwait(false);
                }
                catch (Exception) when (cancellation.IsCancellationRequested) { break; }
                catch (SocketException ex)
                {
                    _log.Warn(_owner, $"accept on {Describe()} failed: {ex.Message}");
                    continue;
                }
                lock (_connections)
                {
                    if (_connections.Count >= _endpoint.MaxConnections)
                    {
                        _log.Warn(_owner, $"refused a connection from {PeerOf(socket)}: {_endpoint.MaxConnections} connections are open");
                        socket.Dispose();
                        continue;
                    }
                    int id = _nextId++;
                    _connections[id] = Task.Run(() => ServeAsync(id, socket, stopping.Token), CancellationToken.None);
                }
            }
        }
        stopping.Cancel();
        Task[] open;
        lock (_connections) open = [.. _connections.Values];
        await Task.WhenAny(Task.WhenAll(open), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        SocketBinder.RemoveUnixPath(_endpoint);
    }

    private async Task ServeAsync(int id, Socket socket, CancellationToken cancellation)
    {
        string peer = PeerOf(socket);
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_endpoint.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                handshake.CancelAfter(_endpoint.StallTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(60) : _endpoint.StallTimeout);
                try
                {
                    await ssl.AuthenticateAsServerAsync(tls.ServerOptions(), handshake.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
                {
                    _log.Warn(_owner, $"closed connection from {peer}: TLS handshake failed: {Message(ex)}");
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
            await using var connection = new NetConnection(stream, peer, _endpoint);
            try
            {
                await _handler(connection, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
            catch (PeerProtocolException ex)
            {
                _log.Warn(_owner, $"closed connection from {peer}: {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                _log.Debug(_owner, $"connection from {peer} ended: {ex.Message}");
            }
            catch (Exception ex)
            {
                _log.Warn(_owner, $"closed connection from {peer}: {ex.Message}");
            }
        }
        catch (Exception ex)
        {
            _log.Debug(_owner, $"connection from {peer} ended: {ex.Message}");
        }
        finally
        {
            lock (_connections) _connections.Remove(id);
        }
    }

    private static string Message(Exception ex) => ex is OperationCanceledException ? "timed out" : ex.InnerException?.Message ?? ex.Message;

    internal static string PeerOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint switch
            {
                IPEndPoint ip => ip.ToString(),
                UnixDomainSocketEndPoint unix => $"unix:{(unix.ToString() is { Length: > 0 } p ? p : "(unnamed)")}",
                { } other => other.ToString() ?? "?",
                null => "?",
            };
        }
        catch (SocketException) { return "?"; }
        catch (ObjectDisposedException) { return "?"; }
    }

    public void Dispose()
    {
        _listener?.Dispose();
    }
}
