using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// <c>--http-grammar strict</c> on a running pool, beyond the corpus: what a refusal leaves behind
/// (one debug line naming the rule, a metric by rule), the grammar behind TLS, a refusal deep in a
/// large chunked body, and the setting's own errors.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class StrictHttpTests
{
    private static readonly string App = Paths.TestApp("testapp") + ":TestApp.EchoApp";

    [Test]
    public async Task ARefusal_WritesADebugLineNamingItsRule_AndIsCountedByRule(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct, "--metrics-bind", "127.0.0.1:0");
        await using var _ = server;
        var metrics = new Uri((string)server.Ask("show listeners")!["metrics"]![0]!);

        var chunkExt = await RawHttp.Exchange(url.Port, Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a b\r\nabc\r\n0\r\n\r\n"), ct);
        var target = await RawHttp.Exchange(url.Port, Encoding.ASCII.GetBytes("GET /a|b HTTP/1.1\r\nHost: x\r\n\r\n"), ct);
        var target2 = await RawHttp.Exchange(url.Port, Encoding.ASCII.GetBytes("GET /a{b HTTP/1.1\r\nHost: x\r\n\r\n"), ct);

        Assert.That((chunkExt.Statuses, target.Statuses, target2.Statuses), Is.EqualTo((new[] { 400 }, new[] { 400 }, new[] { 400 })));
        var line = new Regex(@"\[DEBUG\] Connection \S+ from 127\.0\.0\.1:\d+: request refused \(chunk-ext\): 'b' after a chunk extension's name");
        await Wait.Until(() => line.IsMatch(server.Output), TimeSpan.FromSeconds(10), "the refusal's debug line", ct, () => server.Output);
        Assert.That(Regex.Count(server.Output, @"request refused \(request-target\): '[|{]' in the request target"), Is.EqualTo(2), server.Output);
        await Wait.Until(
            () => Refused(metrics, "chunk-ext", ct) == 1 && Refused(metrics, "request-target", ct) == 2,
            TimeSpan.FromSeconds(15), "the refusals by rule in /metrics", ct, () => Http.Get(metrics, "", ct).GetAwaiter().GetResult().Body);
    }

    private static double Refused(Uri metrics, string rule, CancellationToken ct)
    {
        var (_, text) = Http.Get(metrics, "", ct).GetAwaiter().GetResult();
        return text.Split('\n')
            .Where(l => l.StartsWith("gunicornet_http_refused_requests_total{", StringComparison.Ordinal) && l.Contains($"rule=\"{rule}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    [Test]
    public async Task BehindTls_TheGrammarJudgesTheDecryptedRequests(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-strict-tls");
        using var certificate = Certificates.SelfSigned(dir.File("tls.pem"), dir.File("tls.key"));
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--certfile", dir.File("tls.pem"), "--keyfile", dir.File("tls.key"));
        await using var _ = server;

        Assert.That(await OverTls(url.Port, "GET /good HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ct), Does.StartWith("HTTP/1.1 200"));
        Assert.That(await OverTls(url.Port, "GET /good HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\nConnection: close\r\n\r\n", ct), Does.StartWith("HTTP/1.1 400"));
    }

    private static async Task<string> OverTls(int port, string request, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, ct);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        using var reader = new StreamReader(tls, Encoding.Latin1);
        return await reader.ReadToEndAsync(ct);
    }

    [Test]
    public async Task ARefusalDeepInALargeChunkedBody_IsAnswered400_AndTheAppNeverRuns(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using var _ = server;
        var body = new StringBuilder();
        for (var i = 0; i < 64; i++)
        {
            body.Append("1000\r\n").Append('a', 4096).Append("\r\n");
        }

        var request = Encoding.ASCII.GetBytes("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "3;bad ext\r\nabc\r\n0\r\n\r\n");

        var (statuses, closed) = await RawHttp.Exchange(url.Port, request, ct);

        Assert.That((statuses, closed), Is.EqualTo((new List<int> { 400 }, true)), "256 KB read, then the 65th chunk line refused");
        Assert.That((await Http.Get(url, "/after", ct)).Status, Is.EqualTo(200), "the worker serves on");
    }

    [Test]
    public async Task ABadValue_IsAOneLineError_AndPrintConfigShowsTheSetting(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--http-grammar", "lax", "--no-control-socket", Paths.Sample("hello"));
        var (printed, config) = await Command.Run(ct, Paths.Server, "--http-grammar", "KESTREL", "--print-config", Paths.Sample("hello"));

        Assert.That((code, output), Is.EqualTo((2, "gunicornet: error: --http-grammar: 'lax' is not strict or kestrel")));
        Assert.That(printed, Is.Zero, config);
        Assert.That(config.Split('\n'), Does.Contain("http_grammar = 'kestrel'"), config);
    }
}
