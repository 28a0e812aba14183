using System.Net;
using System.Net.Sockets;

namespace CoreAgent.Benchmarks;

// Local receivers for the network output scenarios, shared by CoreAgent's and Fluent Bit's runs.

/// <summary>Accepts connections and reads every byte, counting them; never answers (forward without acks).</summary>
internal sealed class TcpSink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _bytes;

    public TcpSink()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public double BytesPerSecond => Interlocked.Read(ref _bytes) / _clock.Elapsed.TotalSeconds;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync();
                _ = Task.Run(() => DrainAsync(client));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
    }

    private async Task DrainAsync(TcpClient client)
    {
        var buffer = new byte[256 * 1024];
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0) Interlocked.Add(ref _bytes, read);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
        }
    }

    public void Dispose() => _listener.Stop();
}

/// <summary>An HttpListener that reads each body, counts its bytes and answers 201 with no body.</summary>
internal sealed class HttpSink : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _bytes;

    public HttpSink()
    {
        Port = FreePorts.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        for (int i = 0; i < 4; i++) _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public double BytesPerSecond => Interlocked.Read(ref _bytes) / _clock.Elapsed.TotalSeconds;

    private async Task ServeAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var context = await _listener.GetContextAsync();
                int read;
                while ((read = await context.Request.InputStream.ReadAsync(buffer)) > 0) Interlocked.Add(ref _bytes, read);
                context.Response.StatusCode = 201;
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
    }

    public void Dispose() => _listener.Close();
}

internal static class FreePorts
{
    /// <summary>A loopback TCP port free now (for servers that cannot be given port 0).</summary>
    public static int Next()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
