using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CoreAgent.Engine.Net;
using MessagePack;

namespace CoreAgent.Engine.Tests.Outputs;

/// <summary>
/// A forward protocol v1 server written from the spec for tests: it accepts connections, runs the
/// shared-key handshake when given a key, checks each message's shape and keeps what it received,
/// and answers option.chunk with {"ack": chunk} unless told not to.
/// </summary>
public sealed class ForwardReceiver : IDisposable
{
    public sealed record Received(string Tag, List<(byte[] Time, byte[] Body)> Entries, Dictionary<string, object?> Options, byte[] Raw);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Received> _messages = [];
    private readonly List<string> _errors = [];
    private readonly Thread _thread;

    public ForwardReceiver(int port = 0, string? sharedKey = null, bool ack = true)
    {
        SharedKey = sharedKey;
        SendAcks = ack;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _thread = new Thread(AcceptLoop) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; }
    public string? SharedKey { get; }
    public bool SendAcks { get; set; }
    public int Connections;

    public List<Received> Messages { get { lock (_messages) return [.. _messages]; } }
    public List<string> Errors { get { lock (_errors) return [.. _errors]; } }

    /// <summary>A free port with nothing listening, for the down-at-start case.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (Exception) { return; }
            Interlocked.Increment(ref Connections);
            new Thread(() => Serve(client)) { IsBackground = true }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        using (client)
        using (var stream = client.GetStream())
        using (var reader = new MessagePackStreamReader(stream, leaveOpen: true))
        {
            try
            {
                if (SharedKey is not null && !Handshake(stream, reader)) return;
                while (!_stop.IsCancellationRequested)
                {
                    var next = reader.ReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
                    if (next is not { } message) return;
                    var received = Parse(message.ToArray());
                    lock (_messages) _messages.Add(received);
                    if (SendAcks && received.Options.TryGetValue("chunk", out var chunk) && chunk is string id)
                    {
                        var ack = Pack((ref MessagePackWriter w) => { w.WriteMapHeader(1); w.Write("ack"); w.Write(id); });
                        stream.Write(ack);
                    }
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (!_stop.IsCancellationRequested && ex is not IOException and not OperationCanceledException)
                    lock (_errors) _errors.Add(ex.ToString());
            }
        }
    }

    private bool Handshake(NetworkStream stream, MessagePackStreamReader reader)
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        stream.Write(Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2); w.Write("HELO");
            w.WriteMapHeader(3); w.Write("nonce"); w.Write(nonce); w.Write("auth"); w.Write(Array.Empty<byte>()); w.Write("keepalive"); w.Write(true);
        }));
        var ping = reader.ReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult() ?? throw new IOException("no PING");
        var r = new MessagePackReader(ping);
        if (r.ReadArrayHeader() != 6 || r.ReadString() != "PING") throw new InvalidDataException("not a PING");
        var hostname = r.ReadString()!;
        var salt = r.ReadString()!;
        var digest = r.ReadString();
        bool ok = digest == Hex(Encoding.ASCII.GetBytes(salt), Encoding.UTF8.GetBytes(hostname), nonce, Encoding.UTF8.GetBytes(SharedKey!));
        stream.Write(Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5); w.Write("PONG"); w.Write(ok); w.Write(ok ? "" : "shared_key mismatch"); w.Write("receiver");
            w.Write(Hex(Encoding.ASCII.GetBytes(salt), Encoding.UTF8.GetBytes("receiver"), nonce, Encoding.UTF8.GetBytes(SharedKey!)));
        }));
        return ok;
    }

    private static string Hex(params byte[][] parts) => Convert.ToHexString(SHA512.HashData(parts.SelectMany(p => p).ToArray())).ToLowerInvariant();

    /// <summary>Checks a message against the spec's Forward and CompressedPackedForward modes.</summary>
    private static Received Parse(byte[] raw)
    {
        var r = new MessagePackReader(raw);
        int n = r.ReadArrayHeader();
        if (n is not (2 or 3)) throw new InvalidDataException($"a message of {n} items");
        var tag = r.ReadString()!;
        byte[] entriesBytes;
        int count = -1;
        bool packed = r.NextMessagePackType != MessagePackType.Array;
        if (packed)
        {
            entriesBytes = r.NextMessagePackType == MessagePackType.Binary ? r.ReadBytes()!.Value.ToArray() : r.ReadStringSequence()!.Value.ToArray();
        }
        else
        {
            count = r.ReadArrayHeader();
            var start = r.Consumed;
            for (int i = 0; i < count; i++) r.Skip();
            entriesBytes = raw[(int)start..(int)r.Consumed];
        }
        var options = new Dictionary<string, object?>();
        if (n == 3)
        {
            int pairs = r.ReadMapHeader();
            for (int i = 0; i < pairs; i++)
            {
                var key = r.ReadString()!;
                options[key] = r.NextMessagePackType switch
                {
                    MessagePackType.String => r.ReadString(),
                    MessagePackType.Integer => (object)r.ReadInt64(),
                    _ => Skip(ref r),
                };
            }
        }
        if (packed && options.TryGetValue("compressed", out var c) && (string?)c == "gzip") { var inflated = new ArrayBufferWriter<byte>(); Gzip.Decompress(entriesBytes, inflated, 1 << 30); entriesBytes = inflated.WrittenSpan.ToArray(); }
        var entries = new List<(byte[], byte[])>();
        var e = new MessagePackReader(entriesBytes);
        while (!e.End)
        {
            if (e.ReadArrayHeader() != 2) throw new InvalidDataException("an entry is not [time, record]");
            var t0 = e.Consumed; e.Skip(); var t1 = e.Consumed; e.Skip(); var t2 = e.Consumed;
            entries.Add((entriesBytes[(int)t0..(int)t1], entriesBytes[(int)t1..(int)t2]));
        }
        if (count >= 0 && entries.Count != count) throw new InvalidDataException("entry count");
        return new Received(tag, entries, options, raw);
    }

    private static object? Skip(ref MessagePackReader r) { r.Skip(); return null; }

    public delegate void Build(ref MessagePackWriter writer);

    public static byte[] Pack(Build build)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        build(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
