using System.Net.Security;
using System.Net.Sockets;

namespace CoreAgent.Engine.Net;

/// <summary>
/// One client connection over TCP or a Unix socket, optionally wrapped in TLS, with an I/O timeout on
/// every read and write. Errors surface as <see cref="IOException"/> naming the peer.
/// </summary>
public sealed class TcpClientConnection : IDisposable
{
    private readonly Socket _socket;

    private TcpClientConnection(Socket socket, Stream stream, string peer)
    {
        _socket = socket;
        Stream = stream;
        Peer = peer;
    }

    public Stream Stream { get; }

    /// <summary>host:port or unix:path, for log lines.</summary>
    public string Peer { get; }

    /// <summary>Connects to <paramref name="unixPath"/> when given, else to host:port.</summary>
    public static TcpClientConnection Connect(string host, int port, string? unixPath, TlsOptions? tls, TimeSpan timeout)
    {
        string peer = unixPath is null ? $"{host}:{port}" : $"unix:{unixPath}";
        Socket socket = unixPath is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using (var cts = new CancellationTokenSource(timeout))
            {
                if (unixPath is null)
                {
                    socket.NoDelay = true;
                    socket.ConnectAsync(host, port, cts.Token).AsTask().GetAwaiter().GetResult();
                }
                else
                {
                    socket.ConnectAsync(new UnixDomainSocketEndPoint(unixPath), cts.Token).AsTask().GetAwaiter().GetResult();
                }
            }
            int ms = (int)timeout.TotalMilliseconds;
            Stream stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = ms, WriteTimeout = ms };
            if (tls is { Enabled: true })
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                using var cts = new CancellationTokenSource(timeout);
                ssl.AuthenticateAsClientAsync(tls.ClientOptions(host), cts.Token).GetAwaiter().GetResult();
                stream = ssl;
            }
            return new TcpClientConnection(socket, stream, peer);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or IOException)
        {
            socket.Dispose();
            var why = ex is OperationCanceledException ? $"no connection within {timeout.TotalSeconds:0.#} s" : ex.Message;
            throw new IOException($"cannot connect to {peer}: {why}", ex);
        }
    }

    /// <summary>Whether the peer has closed the connection (checked before reusing it).</summary>
    public bool LooksClosed()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        try { Stream.Dispose(); } catch (IOException) { }
        _socket.Dispose();
    }
}
