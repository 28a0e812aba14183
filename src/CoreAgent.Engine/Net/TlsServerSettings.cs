using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Net;

/// <summary>A server certificate loaded from PEM files (tls.crt_file, tls.key_file), for SslStream.</summary>
public sealed class TlsServerSettings
{
    private TlsServerSettings(X509Certificate2 certificate, SslProtocols protocols, bool verify, X509Certificate2Collection? trust)
    {
        Certificate = certificate;
        Protocols = protocols;
        VerifyClients = verify;
        _trust = trust;
    }

    private readonly X509Certificate2Collection? _trust;

    public X509Certificate2 Certificate { get; }
    public SslProtocols Protocols { get; }

    /// <summary>
    /// tls.verify on (the default): as Fluent Bit's OpenSSL server context (SSL_VERIFY_PEER), a client
    /// certificate is asked for and, when the client sends one, it must chain to tls.ca_file (or to the
    /// system's roots without it). A client that sends none is still accepted, as with Fluent Bit.
    /// </summary>
    public bool VerifyClients { get; }

    /// <summary>The SslStream settings for one accepted connection.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = Protocols,
        ClientCertificateRequired = VerifyClients,
        RemoteCertificateValidationCallback = ValidateClient,
    };

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!VerifyClients || certificate is null) return true;
        // A client certificate carries no host name to match; only its chain counts.
        errors &= ~(SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch);
        if (_trust is null) return errors == SslPolicyErrors.None;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trust);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

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
        bool verify = context.GetBool("tls.verify", true);
        X509Certificate2Collection? trust = null;
        if (context.Properties.Get("tls.ca_file") is { Length: > 0 } caFile)
        {
            caFile = caFile.Trim();
            if (!File.Exists(caFile)) throw new PropertyException("tls.ca_file", $"'{caFile}' does not exist");
            try
            {
                trust = [];
                trust.ImportFromPemFile(caFile);
            }
            catch (CryptographicException ex)
            {
                throw new PropertyException("tls.ca_file", $"cannot read '{caFile}': {ex.Message}");
            }
            if (!verify) context.Log.Write(Logging.LogLevel.Warn, context.InstanceName, "tls.ca_file is set but tls.verify is off: client certificates are not checked");
        }
        if (context.Properties.Get("tls.ca_path") is not null)
            context.Log.Write(Logging.LogLevel.Warn, context.InstanceName, "'tls.ca_path' is accepted but not implemented; use tls.ca_file");
        return new TlsServerSettings(Load(crt.Trim(), key.Trim(), context.Properties.Get("tls.key_passwd")), protocols, verify, trust);
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
