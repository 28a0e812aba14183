using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Net;

/// <summary>
/// The client side of Fluent Bit's <c>tls</c>, <c>tls.verify</c> (on by default), <c>tls.ca_file</c>,
/// <c>tls.vhost</c>, <c>tls.crt_file</c>/<c>tls.key_file</c> keys, applied with <see cref="SslStream"/>.
/// </summary>
public sealed class TlsOptions
{
    public bool Enabled { get; init; }
    public bool Verify { get; init; } = true;
    public string? CaFile { get; init; }
    public string? VirtualHost { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }

    private X509Certificate2Collection? _trust;

    /// <summary>The client tls keys every output that connects out declares, read by <see cref="From"/>.</summary>
    public static PropertySpec[] ClientProperties(string enableDescription = "Wrap the connection in TLS.",
        string vhostDescription = "Server name (SNI and verification) when it differs from host.") =>
    [
        new("tls", PropertyType.Boolean, "off", enableDescription),
        new("tls.verify", PropertyType.Boolean, "on", "Verify the server's certificate and name."),
        new("tls.ca_file", PropertyType.String, null, "PEM file of CA certificates trusted besides the system's.") { PathValue = PathValue.Single },
        new("tls.vhost", PropertyType.String, null, vhostDescription),
        new("tls.crt_file", PropertyType.String, null, "PEM client certificate.") { PathValue = PathValue.Single },
        new("tls.key_file", PropertyType.String, null, "PEM key of the client certificate.") { PathValue = PathValue.Single },
    ];

    /// <summary>Reads the tls keys of a plugin; files that cannot be read fail with their path named.</summary>
    public static TlsOptions From(PluginContext context)
    {
        var caFile = context.Properties.Get("tls.ca_file");
        var crt = context.Properties.Get("tls.crt_file");
        var key = context.Properties.Get("tls.key_file");
        X509Certificate2? client = null;
        try
        {
            if (crt is not null) client = X509Certificate2.CreateFromPemFile(crt, key);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new PluginException($"{context.InstanceName}: cannot read tls.crt_file '{crt}' / tls.key_file '{key}': {ex.Message}", ex);
        }
        foreach (var unsupported in new[] { "tls.ca_path", "tls.key_passwd", "tls.ciphers", "tls.min_version", "tls.max_version" })
            if (context.Properties.Get(unsupported) is not null)
                context.Log.Write(Logging.LogLevel.Warn, context.InstanceName, $"'{unsupported}' is accepted but not implemented; it is ignored");
        var options = new TlsOptions
        {
            Enabled = context.GetBool("tls", false),
            Verify = context.GetBool("tls.verify", true),
            CaFile = caFile,
            VirtualHost = context.Properties.Get("tls.vhost"),
            ClientCertificate = client,
        };
        if (caFile is not null)
        {
            try
            {
                options._trust = [];
                options._trust.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new PluginException($"{context.InstanceName}: cannot read tls.ca_file '{caFile}': {ex.Message}", ex);
            }
        }
        return options;
    }

    /// <summary>The SslStream settings to reach <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = VirtualHost ?? host,
        ClientCertificates = ClientCertificate is null ? null : [ClientCertificate],
        RemoteCertificateValidationCallback = Validate,
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!Verify) return true;
        if (errors == SslPolicyErrors.None) return true;
        if (_trust is null || certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        // Trust the CA file's certificates in addition to the system's.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trust);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }
}
