using System.Buffers;
using CoreAgent.Engine.Net;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.Forward;

/// <summary>A connection to a forward server with a msgpack reader for the messages it sends back (HELO, PONG, acks).</summary>
public sealed class ForwardConnection(TcpClientConnection connection, TimeSpan timeout) : IDisposable
{
    private readonly MessagePackStreamReader _reader = new(connection.Stream, leaveOpen: true);

    public string Peer => connection.Peer;

    public bool LooksClosed() => connection.LooksClosed();

    public void Write(ReadOnlySpan<byte> bytes)
    {
        connection.Stream.Write(bytes);
        connection.Stream.Flush();
    }

    /// <summary>The next msgpack value from the server, within the I/O timeout.</summary>
    public ReadOnlySequence<byte> ReadMessage()
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var message = _reader.ReadAsync(cts.Token).AsTask().GetAwaiter().GetResult();
            return message ?? throw new IOException($"{Peer} closed the connection");
        }
        catch (OperationCanceledException)
        {
            throw new IOException($"{Peer} sent no answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        connection.Dispose();
    }
}
