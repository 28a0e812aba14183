using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Net;

/// <summary>A server certificate loaded from PEM files (tls.crt_file, tls.key_file), for SslStream.</summary>
public sealed class TlsServerSettings
{
    private TlsServerSettings(X509Certificate2 certificate, SslProtocols protocols)
    {
        Certificate = certificate;
        Protocols = protocols;
    }

    public X509Certificate2 Certificate { get; }
    public SslProtocols Protocols { get; }

    /// <summary>Null when tls is off; throws a <see cref="PropertyException"/> naming the key when a file cannot be used.</summary>
    public static TlsServerSettings? FromContext(PluginContext context)
    {
        if (!context.GetBool("tls", false)) return null;
        string crt = context.Properties.Get("tls.crt_file") ?? throw new PropertyException("tls.crt_file", "tls is on but no certificate file is given");
        string key = context.Properties.Get("tls.key_file") ?? throw new PropertyException("tls.key_file", "tls is on but no private key file is given");
        var protocols = context.Properties.Get("tls.min_version")?.Trim().ToUpperInvariant() switch
        {
            null or "" or "TLSV1.2" => SslProtocols.Tls12 | SslProtocols.Tls13,
            "TLSV1.3" => SslProtocols.Tls13,
            var other => throw new PropertyException("tls.min_version", $"'{other}' is not supported (TLSv1.2 or TLSv1.3)"),
        };
        return new TlsServerSettings(Load(crt.Trim(), key.Trim(), context.Properties.Get("tls.key_passwd")), protocols);
    }

    public static X509Certificate2 Load(string crtFile, string keyFile, string? password)
    {
        if (!File.Exists(crtFile)) throw new PropertyException("tls.crt_file", $"'{crtFile}' does not exist");
        if (!File.Exists(keyFile)) throw new PropertyException("tls.key_file", $"'{keyFile}' does not exist");
        try
        {
            using var pem = string.IsNullOrEmpty(password)
                ? X509Certificate2.CreateFromPemFile(crtFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(crtFile, password, keyFile);
            // A PEM-loaded key is ephemeral; a PKCS#12 round trip gives SslStream a key it can use on every platform.
            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
        }
        catch (CryptographicException ex)
        {
            throw new PropertyException("tls.crt_file", $"cannot load '{crtFile}' with key '{keyFile}': {ex.Message}");
        }
    }
}
