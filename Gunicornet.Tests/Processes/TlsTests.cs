using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>TLS through Kestrel with gunicorn's settings: certfile, keyfile, ca_certs, cert_reqs, ciphers.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class TlsTests
{
    private static readonly string App = Paths.TestApp("testapp");

    /// <summary>The app's "main", chunked.</summary>
    private const string Body = "\r\n\r\n4\r\nmain\r\n0\r\n";
    private TempDirectory _dir = null!;
    private X509Certificate2 _ca = null!;
    private X509Certificate2 _server = null!;
    private X509Certificate2 _client = null!;

    [OneTimeSetUp]
    public void CreateCertificates()
    {
        _dir = new TempDirectory("gunicornet-tls");
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Gunicornet Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        File.WriteAllText(_dir.File("ca.pem"), _ca.ExportCertificatePem());

        _server = Issue("CN=localhost", out var serverKey);
        File.WriteAllText(_dir.File("server.pem"), _server.ExportCertificatePem());
        File.WriteAllText(_dir.File("server.key"), serverKey);
        File.WriteAllText(_dir.File("combined.pem"), _server.ExportCertificatePem() + "\n" + serverKey);
        _client = Issue("CN=client", out _);
    }

    [OneTimeTearDown]
    public void Remove()
    {
        _dir.Dispose();
        _ca.Dispose();
        _server.Dispose();
        _client.Dispose();
    }

    private X509Certificate2 Issue(string subject, out string keyPem)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509SubjectAlternativeNameExtension(BuildSan()));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), Guid.NewGuid().ToByteArray());
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return issued.CopyWithPrivateKey(key);
    }

    private static byte[] BuildSan()
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        return san.Build().RawData;
    }

    [Test]
    public async Task Certfile_AndKeyfile_ServeHttps(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--certfile", _dir.File("server.pem"), "--keyfile", _dir.File("server.key"));
        await using var _ = server;

        Assert.That(url.Scheme, Is.EqualTo("https"), "the master says https");
        var (answer, _) = await Get(url.Port, client: null, ct);
        Assert.That(answer, Does.StartWith("HTTP/1.1 200").And.Contain(Body));
    }

    [Test]
    public async Task Certfile_HoldingTheKey_IsEnough(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--certfile", _dir.File("combined.pem"));
        await using var _ = server;

        Assert.That((await Get(url.Port, client: null, ct)).Response, Does.StartWith("HTTP/1.1 200").And.Contain(Body));
    }

    [Test]
    public async Task CertReqs2_RefusesAClientWithoutACertificate_AndServesOneTheCaIssued(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(
            App, workers: 1, ct, "--certfile", _dir.File("combined.pem"), "--ca-certs", _dir.File("ca.pem"), "--cert-reqs", "2");
        await using var _ = server;

        Assert.That(async () => await Get(url.Port, client: null, ct), Throws.InstanceOf<Exception>(), "no client certificate");
        Assert.That((await Get(url.Port, _client, ct)).Response, Does.StartWith("HTTP/1.1 200").And.Contain(Body));
    }

    [Test]
    public async Task CertReqs1_ServesAClientWithoutACertificate_OneTheCaIssued_AndRefusesOneItDidNot(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(
            App, workers: 1, ct, "--certfile", _dir.File("combined.pem"), "--ca-certs", _dir.File("ca.pem"), "--cert-reqs", "1");
        await using var _ = server;
        using var key = RSA.Create(2048);
        using var stranger = new CertificateRequest("CN=stranger", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        Assert.That((await Get(url.Port, client: null, ct)).Response, Does.StartWith("HTTP/1.1 200").And.Contain(Body), "optional: none is fine");
        Assert.That((await Get(url.Port, _client, ct)).Response, Does.StartWith("HTTP/1.1 200").And.Contain(Body), "one the CA issued");
        Assert.That(async () => await Get(url.Port, stranger, ct), Throws.InstanceOf<Exception>(), "checked when given: one the CA did not issue is refused");
    }

    [Test]
    public async Task Ciphers_AsAnOpenSslCipherString_AreExpandedByOpenssl(CancellationToken ct)
    {
        // OpenSSL's name for one TLS 1.2 suite (its IANA name is TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256):
        // a TLS 1.2 client gets exactly that one.
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--certfile", _dir.File("combined.pem"), "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256");
        await using var _ = server;

        var (_, suite) = await Get(url.Port, client: null, ct, SslProtocols.Tls12);

        Assert.That(suite, Is.EqualTo(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256));
    }

    [Test]
    public async Task Ciphers_LimitTheSuites(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--certfile", _dir.File("combined.pem"), "--ciphers", "TLS_AES_256_GCM_SHA384");
        await using var _ = server;

        var (_, suite) = await Get(url.Port, client: null, ct);

        Assert.That(suite, Is.EqualTo(TlsCipherSuite.TLS_AES_256_GCM_SHA384));
    }

    [Test]
    public async Task AKeyThatDoesNotMatch_IsAOneLineErrorAtStart(CancellationToken ct)
    {
        var other = Issue("CN=other", out var otherKey);
        other.Dispose();
        File.WriteAllText(_dir.File("other.key"), otherKey);

        var (code, output) = await Command.Run(ct, Paths.Server, "-b", "127.0.0.1:0", "--certfile", _dir.File("server.pem"), "--keyfile", _dir.File("other.key"), App);

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.StartWith($"gunicornet: error: Can't load the certificate '{_dir.File("server.pem")}' with key '{_dir.File("other.key")}'"));
        Assert.That(output.Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task AnUnknownCipher_IsAUsageError(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--certfile", _dir.File("combined.pem"), "--ciphers", "NO-SUCH-CIPHER", App);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--ciphers: 'NO-SUCH-CIPHER'"));
    }

    /// <summary>GET / over TLS, trusting the test CA; returns the response and the negotiated suite.</summary>
    private async Task<(string Response, TlsCipherSuite Suite)> Get(int port, X509Certificate2? client, CancellationToken ct, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = client is null ? null : [client],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == _server.GetCertHashString(),
                EnabledSslProtocols = protocols,
            },
            ct);
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), ct);
        using var reader = new StreamReader(tls, Encoding.ASCII);
        var response = await reader.ReadToEndAsync(ct);
        if (response.Length == 0)
        {
            throw new IOException("closed without an answer");
        }

        return (response, tls.NegotiatedCipherSuite);
    }
}
