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
}
