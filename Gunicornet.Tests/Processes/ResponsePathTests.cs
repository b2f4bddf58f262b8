using System.Net;
using System.Net.WebSockets;
using System.Text;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// The access log never changes a response: every way an app writes one (JSON through the pipe,
/// SendFileAsync, Results.File, streaming with flushes, the BodyWriter, StartAsync, CompleteAsync,
/// response compression, a swapped body, WebSockets) gives the same status, headers and bytes with
/// the access log on as with it off, and the log's <c>%(B)s</c> is the body bytes sent.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class ResponsePathTests
{
    private const string Format = "%(m)s %(U)s %(q)s %(s)s %(B)s %(b)s";
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, PooledConnectionLifetime = TimeSpan.Zero });
    private TempDirectory _temp = null!;
    private ServerProcess _plain = null!;
    private ServerProcess _logged = null!;
    private Uri _plainUrl = null!;
    private Uri _loggedUrl = null!;
    private string _log = null!;

    [OneTimeSetUp]
    public async Task StartBoth()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _temp = new TempDirectory("gunicornet-paths");
        _log = _temp.File("access.log");
        var app = Paths.TestApp("testapp") + ":ResponsePathsApp";
        (_plain, _plainUrl) = await ServerProcess.StartReady(app, workers: 1, timeout.Token);
        (_logged, _loggedUrl) = await ServerProcess.StartReady(app, workers: 1, timeout.Token, "--access-logfile", _log, "--access-logformat", Format);
    }

    [OneTimeTearDown]
    public async Task StopBoth()
    {
        await _plain.DisposeAsync();
        await _logged.DisposeAsync();
        _temp.Dispose();
    }

    [TestCase("GET", "/json")]
    [TestCase("GET", "/json-write")]
    [TestCase("GET", "/results-json")]
    [TestCase("HEAD", "/json")]
    [TestCase("GET", "/sendfile")]
    [TestCase("GET", "/sendfile-range")]
    [TestCase("GET", "/results-file")]
    [TestCase("GET", "/results-bytes")]
    [TestCase("GET", "/results-stream")]
    [TestCase("GET", "/stream")]
    [TestCase("GET", "/bodywriter")]
    [TestCase("GET", "/bodywriter-write")]
    [TestCase("GET", "/bodywriter-stream")]
    [TestCase("GET", "/copy")]
    [TestCase("GET", "/start")]
    [TestCase("GET", "/complete")]
    [TestCase("GET", "/swap")]
    [TestCase("GET", "/compressed")]
    [TestCase("GET", "/empty")]
    [TestCase("GET", "/not-modified")]
    [TestCase("GET", "/throw")]
    public async Task TheResponse_IsTheSameWithTheAccessLog_AndItsBytesAreLogged(string method, string path, CancellationToken ct)
    {
        var tag = Guid.NewGuid().ToString("N");
        var plain = await Fetch(_plainUrl, method, path, tag, ct);
        var logged = await Fetch(_loggedUrl, method, path, tag, ct);

        Assert.That(logged.Status, Is.EqualTo(plain.Status), "status");
        Assert.That(logged.Headers, Is.EqualTo(plain.Headers), "headers");
        Assert.That(logged.Body, Is.EqualTo(plain.Body), "body bytes");
        if (path != "/throw")
        {
            Assert.That(plain.Status, Is.LessThan(500), "the route itself works: " + Encoding.UTF8.GetString(plain.Body));
        }

        var line = await LogLine(tag, ct);
        Assert.That(line, Is.EqualTo($"{method} {path} t={tag} {plain.Status} {plain.Body.Length} {plain.Body.Length}"));
    }

    [Test]
    public async Task AWebSocket_EchoesTheSame_AndIsLoggedAs101(CancellationToken ct)
    {
        var tag = Guid.NewGuid().ToString("N");
        Assert.That(await Echo(_plainUrl, tag, ct), Is.EqualTo("hello " + tag));
        Assert.That(await Echo(_loggedUrl, tag, ct), Is.EqualTo("hello " + tag));
        Assert.That(await LogLine(tag, ct), Is.EqualTo($"GET /ws t={tag} 101 0 0"));
    }

    private static async Task<(int Status, string Headers, byte[] Body)> Fetch(Uri server, string method, string path, string tag, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(server, $"{path}?t={tag}"));
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await Client.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}");
        return ((int)response.StatusCode, string.Join("\n", headers), body);
    }

    private static async Task<string> Echo(Uri server, string tag, CancellationToken ct)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.Authority}/ws?t={tag}"), ct);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello " + tag), WebSocketMessageType.Text, endOfMessage: true, ct);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, ct);
        var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
        await socket.ReceiveAsync(buffer, ct);
        return text;
    }

    /// <summary>The access log line of the request tagged <paramref name="tag"/> (the worker writes it within milliseconds).</summary>
    private async Task<string> LogLine(string tag, CancellationToken ct)
    {
        string? found = null;
        await Wait.Until(
            () => (found = Lines().FirstOrDefault(l => l.Contains("t=" + tag, StringComparison.Ordinal))) is not null,
            TimeSpan.FromSeconds(10),
            "the request's access log line",
            ct,
            () => string.Join("\n", Lines()));
        return found!;
    }

    private string[] Lines() => File.Exists(_log) ? File.ReadAllLines(_log) : [];
}
