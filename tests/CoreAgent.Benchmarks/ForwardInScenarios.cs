using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using MessagePack;

namespace CoreAgent.Benchmarks;

/// <summary>
/// forward input -> null, fed by a local sender in this process that writes Fluentd forward
/// protocol bytes over TCP as fast as the input reads them: PackedForward messages
/// ([tag, entries as bin, {"size": n}], no ack asked) of 1000 entries of a 110-byte access-log
/// record with an EventTime. The sender's thread is in this process, so its CPU is in "cores".
/// MB/s is the forward protocol bytes of the records the null output finished.
/// </summary>
public static class ForwardInScenarios
{
    private const int EntriesPerMessage = 1000;

    public static ScenarioResult ForwardIn(string name, BenchOptions options)
    {
        int port = FreePort();
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("forward", ("name", "forward"), ("listen", "127.0.0.1"), ("port", port.ToString()), ("mem_buf_limit", "64M")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        byte[] message = PackedForward("bench.forward", EntriesPerMessage);
        using var stop = new CancellationTokenSource();
        var sender = new Thread(() => Send(port, message, stop.Token)) { IsBackground = true, Name = "forward sender" };
        // The sender retries its connection until the input listens (Measurement.Run starts the pipeline).
        sender.Start();
        var (recordsPerSecond, cores, _) = Measurement.Run(pipeline, options.Seconds);
        stop.Cancel();
        sender.Join(TimeSpan.FromSeconds(10));
        if (recordsPerSecond == 0) throw new InvalidOperationException($"{name}: the null output received nothing; the sender did not reach the forward input");
        return new ScenarioResult(name, $"local sender (PackedForward, {EntriesPerMessage} entries a message, one TCP connection) -> forward -> null",
            recordsPerSecond, cores, Measurement.PeakRssMiB(), 0)
        {
            MegabytesPerSecond = recordsPerSecond * message.Length / EntriesPerMessage / 1e6,
        };
    }

    private static void Send(int port, byte[] message, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var client = new TcpClient();
                client.NoDelay = true;
                client.Connect(IPAddress.Loopback, port);
                var stream = client.GetStream();
                while (!stop.IsCancellationRequested) stream.Write(message);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // Not listening yet (or the pipeline stopped): try again shortly.
                if (stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(20))) return;
            }
        }
    }

    /// <summary>[tag, bin(entries), {"size": n}] with entries [EventTime, {record}] in Fluentd's order.</summary>
    private static byte[] PackedForward(string tag, int entries)
    {
        var stream = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(stream);
        long start = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        for (int i = 0; i < entries; i++)
        {
            writer.WriteArrayHeader(2);
            var time = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(time, (uint)(start + i / 100));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(time.AsSpan(4), (uint)(i % 100 * 10_000_000));
            writer.WriteExtensionFormatHeader(new ExtensionHeader(0, 8));
            writer.WriteRaw(time);
            writer.WriteMapHeader(4);
            writer.Write("host");
            writer.Write($"web-{i % 16:00}");
            writer.Write("level");
            writer.Write(i % 10 == 0 ? "warn" : "info");
            writer.Write("status");
            writer.Write(i % 50 == 0 ? 500 : 200);
            writer.Write("log");
            writer.Write($"10.0.{i % 250}.7 - - \"GET /api/v1/items/{i:D4}?page=2 HTTP/1.1\" 200 {1000 + i}");
        }
        writer.Flush();
        var message = new ArrayBufferWriter<byte>();
        var outer = new MessagePackWriter(message);
        outer.WriteArrayHeader(3);
        outer.Write(tag);
        outer.Write(stream.WrittenSpan);
        outer.WriteMapHeader(1);
        outer.Write("size");
        outer.Write(entries);
        outer.Flush();
        return message.WrittenSpan.ToArray();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
