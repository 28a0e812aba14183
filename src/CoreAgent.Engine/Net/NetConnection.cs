using System.Buffers;
using System.IO.Pipelines;

namespace CoreAgent.Engine.Net;

/// <summary>
/// One accepted connection: a <see cref="PipeReader"/> over its (possibly TLS) stream, a way to
/// answer, and the peer's address for log lines. Handlers parse framed messages straight from the
/// reader's buffer and consume what they parsed; what stays unconsumed is bounded by
/// <see cref="ServerEndpoint.MaxBufferSize"/>.
/// </summary>
public sealed class NetConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    internal NetConnection(Stream stream, string peer, ServerEndpoint endpoint)
    {
        _stream = stream;
        Peer = peer;
        Endpoint = endpoint;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: endpoint.ChunkSize, minimumReadSize: Math.Min(4096, endpoint.ChunkSize), leaveOpen: true));
    }

    /// <summary>The peer's address ("10.0.0.5:51234", or "unix:/path" for a Unix socket).</summary>
    public string Peer { get; }

    public ServerEndpoint Endpoint { get; }

    public PipeReader Input { get; }

    /// <summary>
    /// Reads more bytes. When <paramref name="partial"/> is true (the buffer holds the start of a
    /// message), a read that waits longer than the endpoint's stall timeout throws
    /// <see cref="PeerStalledException"/>; an idle connection between messages may wait forever.
    /// </summary>
    public async ValueTask<ReadResult> ReadAsync(bool partial, CancellationToken cancellation)
    {
        if (!partial || Endpoint.StallTimeout == Timeout.InfiniteTimeSpan) return await Input.ReadAsync(cancellation).ConfigureAwait(false);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stall.CancelAfter(Endpoint.StallTimeout);
        try
        {
            return await Input.ReadAsync(stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new PeerStalledException($"sent an incomplete message and nothing more for {Endpoint.StallTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Sends bytes to the peer; safe to call from several tasks.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation)
    {
        await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(data, cancellation).ConfigureAwait(false);
            await _stream.FlushAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Throws <see cref="PeerProtocolException"/> when the unparsed bytes exceed the endpoint's bound.</summary>
    public void CheckBuffered(in ReadOnlySequence<byte> unparsed)
    {
        if (unparsed.Length > Endpoint.MaxBufferSize)
            throw new PeerProtocolException($"sent a message larger than buffer_max_size ({Endpoint.MaxBufferSize} bytes)");
    }

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
    }
}

/// <summary>The peer broke the protocol; its connection is closed with a log line naming it.</summary>
public class PeerProtocolException(string message) : Exception(message);

/// <summary>The peer stopped in the middle of a message.</summary>
public sealed class PeerStalledException(string message) : PeerProtocolException(message);
