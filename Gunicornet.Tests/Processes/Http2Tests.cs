using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// <c>--http-protocols</c> and <c>--http2-cleartext</c>: HTTP/2 negotiated over TLS in the order
/// asked, by prior knowledge on the HTTP/1.1 listener for trusted peers, held to the same checks, log
/// and metrics as HTTP/1.1, and drained across reloads without losing a stream a client sent.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class Http2Tests
{
    private static readonly string App = Paths.TestApp("testapp");
    private TempDirectory _dir = null!;

    [OneTimeSetUp]
    public void CreateCertificate()
    {
        _dir = new TempDirectory("gunicornet-h2");
        using var certificate = Certificates.SelfSigned(_dir.File("cert.pem"), _dir.File("key.pem"));
    }

    [OneTimeTearDown]
    public void Remove() => _dir.Dispose();

    private string[] Tls => ["--certfile", _dir.File("cert.pem"), "--keyfile", _dir.File("key.pem")];

    /// <summary>One request with <paramref name="version"/> and <paramref name="policy"/>; returns the version answered and the body.</summary>
    private static async Task<(Version Version, int Status, string Body)> Get(Uri url, string path, Version version, HttpVersionPolicy policy, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        using var client = new HttpClient(handler);
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(url, path)) { Version = version, VersionPolicy = policy };
        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(message, ct);
        return (response.Version, (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static readonly Version H2 = HttpVersion.Version20;
    private static readonly Version H11 = HttpVersion.Version11;

    [Test]
    public async Task OverTls_H2IsNegotiated_InTheOrderAsked_AndTheAccessLogSaysSo(CancellationToken ct)
    {
        var log = _dir.File("tls-access.log");
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, [.. Tls, "--http-protocols", "h2,h1", "--access-logfile", log, "--access-logformat", "%(r)s %(s)s"]);
        await using (server)
        {
            Assert.That(await Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct), Is.EqualTo((H2, 200, "main")));
            Assert.That(await Get(url, "/", H11, HttpVersionPolicy.RequestVersionExact, ct), Is.EqualTo((H11, 200, "main")), "HTTP/1.1 is the fallback");
            Assert.That((await Get(url, "/", H11, HttpVersionPolicy.RequestVersionOrHigher, ct)).Version, Is.EqualTo(H2), "offered both, the client gets h2: the server's first");
            await Wait.Until(() => File.Exists(log) && File.ReadAllText(log).Contains("GET / HTTP/2 200", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "an HTTP/2 line in the access log", ct, () => File.Exists(log) ? File.ReadAllText(log) : "");
        }

        (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, [.. Tls, "--http-protocols", "h1,h2"]);
        await using (server)
        {
            Assert.That((await Get(url, "/", H11, HttpVersionPolicy.RequestVersionOrHigher, ct)).Version, Is.EqualTo(H11), "offered both, the client gets HTTP/1.1: now the server's first");
            Assert.That((await Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct)).Version, Is.EqualTo(H2), "h2 is still there for a client that only speaks it");
        }
    }

    [Test]
    public async Task OverTls_TheDefault_IsHttp11Only(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, Tls);
        await using var owner = server;

        Assert.That((await Get(url, "/", H11, HttpVersionPolicy.RequestVersionOrHigher, ct)).Version, Is.EqualTo(H11));
        Assert.ThrowsAsync<HttpRequestException>(() => Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct), "h1 alone is gunicorn's default");
    }

    [Test]
    public async Task Cleartext_PriorKnowledge_SharesTheListenerWithHttp11_WithTheSameChecksAndMetrics(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct, "--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge", "--limit-request-field_size", "100", "--metrics-bind", "127.0.0.1:0");
        await using var owner = server;

        Assert.That(await Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct), Is.EqualTo((H2, 200, "main")), "HTTP/2 by prior knowledge");
        Assert.That(await Get(url, "/", H11, HttpVersionPolicy.RequestVersionExact, ct), Is.EqualTo((H11, 200, "main")), "and HTTP/1.1, on the same port");
        Assert.That((await Get(url, "/remote", H2, HttpVersionPolicy.RequestVersionExact, ct)).Body, Is.EqualTo("127.0.0.1 http"), "the request's scheme is its own (http), not the TLS Kestrel was told of");

        var big = ("X-Big", new string('a', 200));
        Assert.That((await Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct, big)).Status, Is.EqualTo(431), "--limit-request-field_size holds over HTTP/2 as over HTTP/1.1");
        Assert.That((await Get(url, "/", H11, HttpVersionPolicy.RequestVersionExact, ct, big)).Status, Is.EqualTo(431));

        var metrics = new Uri((string)server.Ask("show listeners")!["metrics"]![0]!);
        await Wait.Until(
            () => Count(metrics, "http_server_request_duration_seconds_count", "http_response_status_code=\"431\"", ct) >= 2,
            TimeSpan.FromSeconds(15),
            "both 431s in /metrics",
            ct,
            () => Http.Get(metrics, "", ct).GetAwaiter().GetResult().Body);
    }

    private static double Count(Uri metrics, string name, string having, CancellationToken ct) =>
        Http.Get(metrics, "", ct).GetAwaiter().GetResult().Body.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(having, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    [Test]
    public async Task Cleartext_FromAPeerNotTrusted_IsHttp11Only(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge", "--forwarded-allow-ips", "10.0.0.1");
        await using var owner = server;

        Assert.That(await Get(url, "/", H11, HttpVersionPolicy.RequestVersionExact, ct), Is.EqualTo((H11, 200, "main")));
        Assert.ThrowsAsync<HttpRequestException>(() => Get(url, "/", H2, HttpVersionPolicy.RequestVersionExact, ct), "as with it off");
    }

    [Test]
    public async Task Cleartext_Upgrade_IsAnsweredOverHttp11_WithAWarningAtStart(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--http-protocols", "h1,h2", "--http2-cleartext", "upgrade");
        await using var owner = server;
        Assert.That(server.Output, Does.Contain("--http2-cleartext upgrade: an Upgrade: h2c request is answered over HTTP/1.1"));

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"), ct);
        var answer = new byte[4096];
        var n = await socket.ReceiveAsync(answer, ct);
        Assert.That(Encoding.ASCII.GetString(answer, 0, n), Does.StartWith("HTTP/1.1 200"));
    }

    [Test]
    public async Task AcrossHups_H2load_GetsAnAnswerToEveryStreamItSent(CancellationToken ct)
    {
        if (!File.Exists("/usr/bin/h2load"))
        {
            Assert.Ignore("h2load is not installed (apt-get install nghttp2-client; .ci/run does)");
        }

        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct, "--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge");
        await using var owner = server;
        var log = _dir.File("h2load.log");

        // h2load never retries: a stream it sent that goes unanswered is a failure in its log (a
        // start time and no status). Streams it never sent (it stops after a GOAWAY) are no loss.
        var load = Command.Run(ct, "h2load", "-D", "8", "-c", "4", "-m", "10", "--log-file", log, url.ToString());
        await Wait.Until(() => File.Exists(log) && new FileInfo(log).Length > 10_000, TimeSpan.FromSeconds(20), "h2load to be under way", ct);
        for (var generation = 2; generation <= 3; generation++)
        {
            server.Signal(Signal.Hup);
            await server.WaitForReload(generation, ct);
        }

        var (code, output) = await load;
        Assert.That(code, Is.EqualTo(0), output);
        var lines = File.ReadAllLines(log).Select(l => l.Split('\t')).ToList();
        var sentUnanswered = lines.Where(f => f[0] != "0" && f[1] != "200").ToList();
        Assert.That(sentUnanswered, Is.Empty, $"streams sent and never answered; h2load said:\n{output}");
        Assert.That(lines.Count(f => f[1] == "200"), Is.GreaterThan(1000), output);
    }
}
