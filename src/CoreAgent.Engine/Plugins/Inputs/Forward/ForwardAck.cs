using System.Buffers;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Forward;

/// <summary>The ack a forward sender waits for: <c>{"ack": chunk}</c>.</summary>
internal static class ForwardAck
{
    public static byte[] Encode(string chunk)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("ack");
        writer.Write(chunk);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
