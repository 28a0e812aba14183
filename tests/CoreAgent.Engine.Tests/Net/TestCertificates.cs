using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>Self-signed server certificates written as PEM files, as a user would give tls.crt_file/tls.key_file.</summary>
public static class TestCertificates
{
    public static (string Crt, string Key) SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string dir = Directory.CreateTempSubdirectory("coreagent-tls-").FullName;
        string crt = Path.Combine(dir, "server.crt"), key = Path.Combine(dir, "server.key");
        File.WriteAllText(crt, cert.ExportCertificatePem());
        File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        return (crt, key);
    }

    /// <summary>A CA and a client certificate it signed, as PEM files (crt, key), plus the CA's PEM.</summary>
    public static (string Ca, string ClientCrt, string ClientKey) ClientSignedByCa(string name = "client")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Test CA " + name, caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var clientKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + name, clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(8));
        string dir = Directory.CreateTempSubdirectory("coreagent-ca-").FullName;
        string caPath = Path.Combine(dir, "ca.crt"), crt = Path.Combine(dir, "client.crt"), key = Path.Combine(dir, "client.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(crt, client.ExportCertificatePem());
        File.WriteAllText(key, clientKey.ExportPkcs8PrivateKeyPem());
        return (caPath, crt, key);
    }
}
