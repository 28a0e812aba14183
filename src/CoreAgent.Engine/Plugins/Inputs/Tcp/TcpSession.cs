using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Tcp;

/// <summary>
/// One tcp input connection: frames JSON values or separated text from the connection's buffer and
/// writes each as a record as soon as it is complete. Bytes that are not JSON close the connection
/// (Fluent Bit drops its buffer and goes on, which loses the peer's next records silently).
/// </summary>
internal sealed class TcpSession(NetConnection connection, RecordEmitter emitter, TcpSettings settings, AgentLog log, string owner)
{
    private static readonly TimeSpan PausePoll = TimeSpan.FromMilliseconds(10);

    private readonly JsonPacker _json = new();
    private readonly ArrayBufferWriter<byte> _value = new();
    private readonly ArrayBufferWriter<byte> _record = new();
    private readonly byte[]? _address = settings.SourceAddressKey is null ? null : Encoding.UTF8.GetBytes(AddressOf(connection.Peer));
    private readonly byte[]? _addressKey = settings.SourceAddressKey is null ? null : Encoding.UTF8.GetBytes(settings.SourceAddressKey);
    private long _skipped;

    public async Task RunAsync(CancellationToken cancellation)
    {
        bool partial = false;
        while (true)
        {
            while (emitter.IsPaused) await Task.Delay(PausePoll, cancellation).ConfigureAwait(false);
            var result = await connection.ReadAsync(partial, cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            var time = EventTime.Now();
            // A batch counts its records in itself, so it is passed by reference.
            var batch = emitter.BeginBatch(waitForRoom: false);
            try
            {
                buffer = settings.Json ? Json(buffer, result.IsCompleted, time, ref batch) : Text(buffer, time, ref batch);
            }
            finally
            {
                batch.Dispose();
            }
            if (buffer.Length > connection.Endpoint.MaxBufferSize)
                throw new PeerProtocolException($"sent a message larger than buffer_size ({connection.Endpoint.MaxBufferSize / 1024} KB)");
            partial = !buffer.IsEmpty;
            connection.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (partial) log.Warn(owner, $"connection from {connection.Peer} closed in the middle of a record; its {buffer.Length} bytes are dropped");
                return;
            }
        }
    }

    private ReadOnlySequence<byte> Json(ReadOnlySequence<byte> buffer, bool final, EventTime time, ref RecordEmitter.Batch batch)
    {
        while (true)
        {
            _value.Clear();
            JsonPackStatus status;
            long consumed;
            try
            {
                status = _json.TryPack(buffer, _value, final, out consumed);
            }
            catch (JsonException ex)
            {
                throw new PeerProtocolException($"sent bytes that are not JSON: {ex.Message}");
            }
            if (status == JsonPackStatus.Empty) return buffer.Slice(consumed);
            if (status == JsonPackStatus.NeedMore) return buffer.Slice(consumed);
            buffer = buffer.Slice(consumed);
            var value = _value.WrittenSpan;
            switch (value[0])
            {
                case >= 0x80 and <= 0x8f or 0xde or 0xdf:
                    WriteMap(value, time, ref batch);
                    break;
                case >= 0x90 and <= 0x9f or 0xdc or 0xdd:
                    // An array is kept whole under "msg", as Fluent Bit.
                    WriteWrapped("msg"u8, value, time, ref batch);
                    break;
                default:
                    if (_skipped++ % 1000 == 0) log.Warn(owner, $"skipped a JSON value from {connection.Peer} that is not a map or an array ({_skipped} so far)");
                    break;
            }
        }
    }

    private ReadOnlySequence<byte> Text(ReadOnlySequence<byte> buffer, EventTime time, ref RecordEmitter.Batch batch)
    {
        var separator = settings.Separator;
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> segment, separator, advancePastDelimiter: true)) return buffer;
            buffer = buffer.Slice(reader.Position);
            if (segment.IsEmpty) continue; // empty records are skipped, as Fluent Bit
            _value.Clear();
            var writer = new MessagePackWriter(_value);
            writer.WriteString(segment);
            writer.Flush();
            WriteWrapped("log"u8, _value.WrittenSpan, time, ref batch);
        }
    }

    private void WriteMap(ReadOnlySpan<byte> map, EventTime time, ref RecordEmitter.Batch batch)
    {
        if (_addressKey is null)
        {
            batch.Write(time, EventEncoder.EmptyMap, map);
            return;
        }
        // The address goes last, as flb_msgpack_append_message_to_record appends it.
        var reader = new MessagePackReader(map.ToArray());
        int count = reader.ReadMapHeader();
        _record.Clear();
        var writer = new MessagePackWriter(_record);
        writer.WriteMapHeader(count + 1);
        writer.WriteRaw(map[(int)reader.Consumed..]);
        writer.WriteString(_addressKey);
        writer.WriteString(_address!);
        writer.Flush();
        batch.Write(time, EventEncoder.EmptyMap, _record.WrittenSpan);
    }

    private void WriteWrapped(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EventTime time, ref RecordEmitter.Batch batch)
    {
        _record.Clear();
        var writer = new MessagePackWriter(_record);
        writer.WriteMapHeader(_addressKey is null ? 1 : 2);
        writer.WriteString(key);
        writer.WriteRaw(value);
        if (_addressKey is not null)
        {
            writer.WriteString(_addressKey);
            writer.WriteString(_address!);
        }
        writer.Flush();
        batch.Write(time, EventEncoder.EmptyMap, _record.WrittenSpan);
    }

    // Fluent Bit's user-friendly remote address: "tcp://10.0.0.5:51234".
    private static string AddressOf(string peer) =>
        IPEndPoint.TryParse(peer, out var ip) ? $"tcp://{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}:{ip.Port}" : peer;
}
