using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Outputs.Forward;

/// <summary>
/// The client side of the forward protocol's shared-key handshake: read HELO, answer PING with the
/// SHA-512 digests, check PONG (its result and the server's digest).
/// </summary>
public static class ForwardHandshake
{
    public static void Run(ForwardConnection connection, string selfHostname, string sharedKey, string username, string password)
    {
        var helo = connection.ReadMessage();
        var r = new MessagePackReader(helo);
        if (r.ReadArrayHeader() < 2 || r.ReadString() != "HELO")
            throw new IOException($"{connection.Peer}: expected HELO from the server");
        byte[] nonce = [], auth = [];
        int pairs = r.ReadMapHeader();
        for (int i = 0; i < pairs; i++)
        {
            var key = r.ReadString();
            if (key == "nonce") nonce = ReadBytes(ref r);
            else if (key == "auth") auth = ReadBytes(ref r);
            else r.Skip();
        }
        var salt = RandomNumberGenerator.GetBytes(16);
        var saltHex = Convert.ToHexString(salt).ToLowerInvariant();
        var digest = Sha512Hex(Encoding.ASCII.GetBytes(saltHex), Encoding.UTF8.GetBytes(selfHostname), nonce, Encoding.UTF8.GetBytes(sharedKey));
        var ping = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(ping);
        w.WriteArrayHeader(6);
        w.Write("PING");
        w.Write(selfHostname);
        w.Write(saltHex);
        w.Write(digest);
        if (auth.Length > 0)
        {
            w.Write(username);
            w.Write(Sha512Hex(auth, Encoding.UTF8.GetBytes(username), Encoding.UTF8.GetBytes(password)));
        }
        else
        {
            w.Write("");
            w.Write("");
        }
        w.Flush();
        connection.Write(ping.WrittenSpan);

        var pong = connection.ReadMessage();
        var p = new MessagePackReader(pong);
        if (p.ReadArrayHeader() < 5 || p.ReadString() != "PONG")
            throw new IOException($"{connection.Peer}: expected PONG from the server");
        bool ok = p.ReadBoolean();
        var reason = p.TryReadNil() ? "" : p.ReadString();
        if (!ok) throw new IOException($"{connection.Peer}: the server refused the handshake: {reason}");
        var serverHostname = p.ReadString() ?? "";
        var serverDigest = p.ReadString();
        var expected = Sha512Hex(Encoding.ASCII.GetBytes(saltHex), Encoding.UTF8.GetBytes(serverHostname), nonce, Encoding.UTF8.GetBytes(sharedKey));
        if (serverDigest != expected)
            throw new IOException($"{connection.Peer}: the server's shared key digest does not match (another Shared_Key?)");
    }

    private static byte[] ReadBytes(ref MessagePackReader r) => r.NextMessagePackType switch
    {
        MessagePackType.Binary => r.ReadBytes() is { } b ? BuffersExtensions.ToArray(b) : [],
        MessagePackType.String => r.ReadStringSequence() is { } t ? BuffersExtensions.ToArray(t) : [],
        _ => SkipEmpty(ref r),
    };

    private static byte[] SkipEmpty(ref MessagePackReader r)
    {
        r.Skip();
        return [];
    }

    public static string Sha512Hex(params byte[][] parts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        foreach (var part in parts) sha.AppendData(part);
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
