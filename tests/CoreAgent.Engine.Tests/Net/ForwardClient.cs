using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>A raw forward peer for protocol and hostile-input tests: writes msgpack by hand.</summary>
public sealed class ForwardClient : IDisposable
{
    private readonly TcpClient _tcp;

    public ForwardClient(int port, bool tls = false)
    {
        _tcp = new TcpClient("127.0.0.1", port);
        Stream = _tcp.GetStream();
        Stream.ReadTimeout = 30_000;
        if (tls)
        {
            var ssl = new SslStream(Stream, false, (_, _, _, _) => true);
            ssl.AuthenticateAsClient("localhost");
            Stream = ssl;
        }
    }

    public Stream Stream { get; }

    public void Send(byte[] bytes)
    {
        Stream.Write(bytes);
        Stream.Flush();
    }

    /// <summary>Reads one msgpack value the server sent.</summary>
    public byte[] Receive()
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n = Stream.Read(one, 0, 1);
            if (n == 0) throw new EndOfStreamException("the server closed the connection");
            buffer.Add(one[0]);
            var seq = new ReadOnlySequence<byte>(buffer.ToArray());
            if (CoreAgent.Engine.Net.MsgPackFraming.TryMeasure(seq, out _)) return [.. buffer];
        }
    }

    /// <summary>True when the server closes the connection within the timeout.</summary>
    public bool ClosedByServer()
    {
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                if (Stream.Read(buffer, 0, buffer.Length) == 0) return true;
            }
        }
        catch (IOException) { return true; }
    }

    public void Dispose() => _tcp.Dispose();


    public delegate void Writer(ref MessagePackWriter writer);

    public static byte[] Pack(Writer write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void Time(ref MessagePackWriter writer, EventTime time)
    {
        var bytes = new byte[10];
        time.WriteTo(bytes);
        writer.WriteRaw(bytes);
    }

    public static void Record(ref MessagePackWriter writer, int n)
    {
        writer.WriteMapHeader(1);
        writer.Write("n");
        writer.Write(n);
    }
}
