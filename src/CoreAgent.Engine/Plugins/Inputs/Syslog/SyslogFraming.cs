using System.Buffers;
using CoreAgent.Engine.Net;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>
/// RFC 6587 framing of syslog over a stream: a message that starts with a digit is octet-counted
/// ("LEN SP MSG"); any other ends at LF (a CR before it is dropped). A datagram is one message.
/// </summary>
internal static class SyslogFraming
{
    private const int MaxLengthDigits = 9;

    /// <summary>
    /// Takes the next message off <paramref name="buffer"/>; false when more bytes are needed.
    /// Throws <see cref="PeerProtocolException"/> for a bad octet count.
    /// </summary>
    public static bool TryNext(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        var reader = new SequenceReader<byte>(buffer);
        // Blank lines and NULs between messages (some senders end each message with NUL) carry nothing.
        reader.AdvancePastAny((byte)'\n', (byte)'\r', (byte)'\0');
        buffer = buffer.Slice(reader.Position);
        if (!reader.TryPeek(out byte first)) return false;
        if (first is >= (byte)'1' and <= (byte)'9')
        {
            long length = 0;
            int digits = 0;
            while (reader.TryRead(out byte b))
            {
                if (b == ' ')
                {
                    if (reader.Remaining < length) return false;
                    message = buffer.Slice(reader.Position, length);
                    buffer = buffer.Slice(message.End);
                    return true;
                }
                if (b is < (byte)'0' or > (byte)'9' || ++digits > MaxLengthDigits)
                    throw new PeerProtocolException("sent a bad octet count (RFC 6587 framing is 'LENGTH SP MESSAGE')");
                length = length * 10 + (b - '0');
            }
            return false;
        }
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n')) return false;
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == '\r') line = line.Slice(0, line.Length - 1);
        message = line;
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>A datagram without the trailing LF, CR or NUL some senders add.</summary>
    public static ReadOnlySpan<byte> TrimDatagram(ReadOnlySpan<byte> datagram) => datagram.TrimEnd("\n\r\0"u8);
}
