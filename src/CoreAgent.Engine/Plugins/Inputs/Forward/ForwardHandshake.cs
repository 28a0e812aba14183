using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Forward;

/// <summary>
/// The server side of the forward protocol's Shared_Key handshake: HELO with a nonce, the client's
/// PING with <c>hex(sha512(salt + hostname + nonce + key))</c>, and PONG with the server's own
/// digest <c>hex(sha512(salt + self_hostname + nonce + key))</c>.
/// </summary>
internal sealed class ForwardHandshake(string sharedKey, string selfHostname)
{
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(16);

    public byte[] Helo()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write("HELO");
        writer.WriteMapHeader(3);
        writer.Write("nonce");
        writer.Write(_nonce);
        writer.Write("auth");
        writer.Write("");
        writer.Write("keepalive");
        writer.Write(true);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Checks a PING and returns the PONG to send, whether the peer is accepted, and why not.</summary>
    public (byte[] Pong, bool Accepted, string Reason) Answer(ReadOnlyMemory<byte> ping)
    {
        string? salt = null, hostname = null, digest = null;
        try
        {
            var reader = new MessagePackReader(ping);
            int count = reader.ReadArrayHeader();
            if (count < 4 || reader.ReadString() != "PING") return Reject("the first message is not a PING");
            hostname = reader.ReadString();
            salt = ReadText(ref reader);
            digest = reader.ReadString();
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
        {
            return Reject("the PING is malformed");
        }
        if (salt is null || hostname is null || digest is null) return Reject("the PING is malformed");
        string expected = Digest(salt, hostname);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(digest.ToLowerInvariant())))
            return Reject("shared_key mismatch");
        return (Pong(true, "", Digest(salt, selfHostname)), true, "");
    }

    private static string? ReadText(ref MessagePackReader reader) =>
        reader.NextMessagePackType == MessagePackType.Binary
            ? Encoding.UTF8.GetString(reader.ReadBytes()!.Value.ToArray())
            : reader.ReadString();

    private string Digest(string salt, string hostname)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        sha.AppendData(Encoding.UTF8.GetBytes(salt));
        sha.AppendData(Encoding.UTF8.GetBytes(hostname));
        sha.AppendData(_nonce);
        sha.AppendData(Encoding.UTF8.GetBytes(sharedKey));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    private (byte[], bool, string) Reject(string reason) => (Pong(false, reason, ""), false, reason);

    private byte[] Pong(bool accepted, string reason, string digest)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(5);
        writer.Write("PONG");
        writer.Write(accepted);
        writer.Write(reason);
        writer.Write(selfHostname);
        writer.Write(digest);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What a client computes, for tests and for the forward output.</summary>
    internal static string ClientDigest(string salt, string hostname, ReadOnlySpan<byte> nonce, string key)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        sha.AppendData(Encoding.UTF8.GetBytes(salt));
        sha.AppendData(Encoding.UTF8.GetBytes(hostname));
        sha.AppendData(nonce);
        sha.AppendData(Encoding.UTF8.GetBytes(key));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
