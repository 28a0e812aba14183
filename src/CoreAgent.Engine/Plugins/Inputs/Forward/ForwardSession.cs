using System.Buffers;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Forward;

/// <summary>
/// One forward connection: frames msgpack messages from the connection's buffer, runs the
/// Shared_Key handshake first when one is configured, writes each message's entries into the
/// engine's chunks and acks option.chunk once they are there.
/// </summary>
internal sealed class ForwardSession(NetConnection connection, TaggedEmitter emitter, ForwardSettings settings, AgentLog log, string owner)
{
    private static readonly TimeSpan PausePoll = TimeSpan.FromMilliseconds(10);

    private readonly ForwardDecoder _decoder = new(settings.TagPrefix, connection.Endpoint.MaxBufferSize, log, owner, connection.Peer);
    private ForwardHandshake? _handshake = settings.SharedKey is null ? null : new ForwardHandshake(settings.SharedKey, settings.SelfHostname);

    public async Task RunAsync(CancellationToken cancellation)
    {
        if (_handshake is not null) await connection.SendAsync(_handshake.Helo(), cancellation).ConfigureAwait(false);
        bool partial = false;
        while (true)
        {
            while (emitter.IsPaused) await Task.Delay(PausePoll, cancellation).ConfigureAwait(false);
            var result = await connection.ReadAsync(partial, cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (!buffer.IsEmpty && MsgPackFraming.TryMeasure(buffer, out long length))
                {
                    var message = buffer.Slice(0, length);
                    await HandleAsync(message.IsSingleSegment ? message.First : message.ToArray(), cancellation).ConfigureAwait(false);
                    buffer = buffer.Slice(length);
                    if (emitter.IsPaused) break; // leave the rest in the buffer until the input resumes
                }
            }
            catch (FormatException ex)
            {
                throw new PeerProtocolException($"sent bytes that are not a forward message: {ex.Message}");
            }
            connection.CheckBuffered(buffer);
            partial = !buffer.IsEmpty;
            connection.Input.AdvanceTo(buffer.Start, result.IsCompleted ? buffer.End : buffer.End);
            if (result.IsCompleted)
            {
                if (partial) log.Warn(owner, $"connection from {connection.Peer} closed in the middle of a message; its {buffer.Length} bytes are dropped");
                return;
            }
        }
    }

    private async ValueTask HandleAsync(ReadOnlyMemory<byte> message, CancellationToken cancellation)
    {
        if (_handshake is not null)
        {
            var (pong, accepted, reason) = _handshake.Answer(message);
            await connection.SendAsync(pong, cancellation).ConfigureAwait(false);
            if (!accepted) throw new PeerProtocolException($"failed the shared key handshake: {reason}");
            _handshake = null;
            return;
        }
        string? chunkId;
        try
        {
            using var batch = emitter.BeginBatch();
            chunkId = _decoder.Decode(message, batch);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new PeerProtocolException($"sent a malformed forward message: {ex.InnerException?.Message ?? ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new PeerProtocolException($"sent a bad compressed message: {ex.Message}");
        }
        catch (ArgumentOutOfRangeException)
        {
            // MessagePackReader.Skip on a length of 2^31 or more, inside PackedForward entries.
            throw new PeerProtocolException("sent a malformed forward message: a length in it is larger than the message");
        }
        if (chunkId is not null) await connection.SendAsync(ForwardAck.Encode(chunkId), cancellation).ConfigureAwait(false);
    }
}
