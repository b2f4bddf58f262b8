using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>What tests that serve https, or hand a socket to a real server, share.</summary>
internal static class Certificates
{
    /// <summary>A self-signed certificate for localhost and 127.0.0.1, written as PEM to <paramref name="certPath"/> and its key to <paramref name="keyPath"/>.</summary>
    public static X509Certificate2 SelfSigned(string certPath, string keyPath)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}

/// <summary>Starting a real server (nginx, HAProxy) on a socket the test bound.</summary>
internal static class Inheriting
{
    /// <summary>Starts <paramref name="start"/> with descriptor <paramref name="fd"/> inherited (for that start only).</summary>
    public static Process Start(ProcessStartInfo start, int fd)
    {
        FileDescriptors.SetCloseOnExec(fd, closeOnExec: false);
        try
        {
            return Process.Start(start)!;
        }
        finally
        {
            FileDescriptors.SetCloseOnExec(fd, closeOnExec: true);
        }
    }
}
