using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Templates;

/// <summary>
/// The SDK's <c>web</c>, <c>webapi</c> and <c>grpc</c> templates, unmodified, under <c>gunicornet -w 2</c>
/// with the access log on, from their build output and their publish output.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(900_000)]
public sealed partial class ApiTemplateTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task Web_SaysHelloWorld(bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get("tweb", "web");
        using var log = new TempDirectory("gunicornet-web");
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, "--access-logfile", log.File("access.log"));
        await using var _ = server;

        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "Hello World!")));
        Assert.That(await AccessLine(log.File("access.log"), "GET / ", ct), Does.EndWith("\"GET / HTTP/1.1\" 200 12 \"-\" \"-\""));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task WebApi_AnswersJson_WithTheAccessLogAndMetricsOn(bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get("twebapi", "webapi");
        using var log = new TempDirectory("gunicornet-webapi");
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, "--access-logfile", log.File("access.log"), "--metrics-bind", "unix:" + log.File("metrics.sock"));
        await using var _ = server;

        // Every request on a new connection: both workers answer some.
        var bodies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var (status, body) = await Http.Get(url, "/weatherforecast", ct);
            Assert.That(status, Is.EqualTo(200), server.Output);
            bodies.Add(body);
        }

        var forecast = JsonDocument.Parse(bodies[0]).RootElement;
        Assert.That(forecast.GetArrayLength(), Is.EqualTo(5));
        Assert.That(forecast[0].TryGetProperty("temperatureC", out var _), Is.True, bodies[0]);
        await Wait.Until(() => Lines(log.File("access.log")).Length == 10, TimeSpan.FromSeconds(10), "ten access lines", ct, () => string.Join("\n", Lines(log.File("access.log"))));
        var logged = Lines(log.File("access.log")).Select(l => LengthRegex().Match(l).Groups[1].Value).ToList();
        // Two workers write their lines on their own: compare as sets, not in order.
        Assert.That(logged, Is.EquivalentTo(bodies.Select(b => Encoding.UTF8.GetByteCount(b).ToString(CultureInfo.InvariantCulture))), "the body bytes of each response");
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));

        // The template's runtimeconfig asks for server GC (the Web SDK's default): every worker runs it
        // (its collector threads are named so), the master does not.
        foreach (var worker in server.LiveWorkers())
        {
            Assert.That(ProcessInfo.ThreadNames(worker), Has.Some.Contains("Server GC"), $"worker {worker} runs server GC");
        }

        Assert.That(ProcessInfo.ThreadNames(server.Pid), Has.None.Contains("Server GC"), "the master keeps the workstation collector");

        // The app's own route, as ASP.NET Core's meter names it, counted over both workers.
        const string Route = "http_route=\"/weatherforecast\"} ";
        await Wait.Until(
            () => Http.GetUnix(log.File("metrics.sock"), "/metrics", ct).GetAwaiter().GetResult().Body.Split('\n')
                .Where(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && l.Contains(Route, StringComparison.Ordinal))
                .Sum(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)) == 10,
            TimeSpan.FromSeconds(10),
            "the ten requests in /metrics under their route",
            ct,
            () => Http.GetUnix(log.File("metrics.sock"), "/metrics", ct).GetAwaiter().GetResult().Body);
    }

    [Test]
    public async Task WebApi_FromAGunicornConfPy_RecycledByAge_UnderRequests_WithMetrics(CancellationToken ct)
    {
        var app = await TemplateApps.Get("twebapi", "webapi");
        using var dir = new TempDirectory("gunicornet-webapi-py");
        File.WriteAllText(dir.File("gunicorn.conf.py"), """
            import multiprocessing
            import os

            here = os.getcwd()
            bind = "unix:" + os.path.join(here, "app.sock")
            workers = max(2, min(4, multiprocessing.cpu_count()))
            accesslog = "-"
            metrics_bind = ["unix:" + os.path.join(here, "metrics.sock")]
            max_worker_lifetime = 3

            def post_fork(server, worker):
                server.log.info("forked")
            """);
        var server = ServerProcess.Start(["-c", dir.File("gunicorn.conf.py"), app.Dll(published: true)]);
        await using var _ = server;
        await server.WaitForReady(2, ct);
        var first = server.LiveWorkers();
        Assert.That(server.Output, Does.Contain("post_fork has no effect here"));

        // Requests all along, until every first worker has been replaced for its age.
        var statuses = new List<int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && !(first.All(w => !ProcessInfo.IsAlive(w)) && server.ShowWorkers().Count(w => w.State == "ready") >= 2))
        {
            statuses.Add((await Http.GetUnix(dir.File("app.sock"), "/weatherforecast", ct)).Status);
        }

        Assert.That(first.Where(ProcessInfo.IsAlive), Is.Empty, "every first worker replaced within 30 s:\n" + server.Output);
        Assert.That(statuses, Has.Count.GreaterThan(10));
        Assert.That(statuses, Is.All.EqualTo(200));
        Assert.That(server.Output, Does.Contain("(--max-worker-lifetime)"));
        await Wait.Until(
            () => Http.GetUnix(dir.File("metrics.sock"), "/metrics", ct).GetAwaiter().GetResult().Body.Split('\n')
                .Where(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && l.Contains("http_route=\"/weatherforecast\"", StringComparison.Ordinal))
                .Sum(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)) == statuses.Count,
            TimeSpan.FromSeconds(10),
            "the requests in /metrics across the replaced workers (a worker that left in good order sent its last figures)",
            ct,
            () => Http.GetUnix(dir.File("metrics.sock"), "/metrics", ct).GetAwaiter().GetResult().Body);
    }

    [Test]
    public async Task WebApiAot_FromItsBuildOutput_AnswersJson(CancellationToken ct)
    {
        // Its publish output is a native executable, which no worker can load; its build output is an
        // assembly like any other (CreateSlimBuilder, source-generated JSON).
        var app = await TemplateApps.GetBuilt("twebapiaot", "webapiaot");
        var (server, url) = await ServerProcess.StartReady(app.BuildDll, workers: 2, ct, "--access-logfile", "-");
        await using var _ = server;

        var (status, body) = await Http.Get(url, "/todos", ct);
        Assert.That(status, Is.EqualTo(200), server.Output);
        Assert.That(JsonDocument.Parse(body).RootElement.GetArrayLength(), Is.EqualTo(5), body);
        Assert.That((await Http.Get(url, "/todos/1", ct)).Body, Does.Contain("\"title\":\"Walk the dog\""));
    }

    [Test]
    public async Task WebApi_InDevelopment_ServesItsOpenApiDocument(CancellationToken ct)
    {
        var app = await TemplateApps.Get("twebapi", "webapi");
        var (server, url) = await ServerProcess.StartReady(app.BuildDll, workers: 2, ct, "-e", "ASPNETCORE_ENVIRONMENT=Development", "--access-logfile", "-");
        await using var _ = server;

        var (status, body) = await Http.Get(url, "/openapi/v1.json", ct);
        Assert.That(status, Is.EqualTo(200), server.Output);
        var document = JsonDocument.Parse(body).RootElement;
        Assert.That(document.GetProperty("info").GetProperty("title").GetString(), Does.StartWith("twebapi"), "the document names the app, not the server");
        Assert.That(document.GetProperty("paths").TryGetProperty("/weatherforecast", out var _), Is.True);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Grpc_AnswersAGrpcClient_OverCleartextHttp2(bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get("tgrpc", "grpc");
        using var log = new TempDirectory("gunicornet-grpc");
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, "--access-logfile", log.File("access.log"));
        await using var _ = server;

        using var channel = GrpcChannel.ForAddress(url);
        Assert.That(await SayHello(channel, "gunicornet", ct), Is.EqualTo("Hello gunicornet"));
        Assert.That(await AccessLine(log.File("access.log"), "POST /greet.Greeter/SayHello", ct), Does.Contain("\"POST /greet.Greeter/SayHello HTTP/2\" 200 23 "));
    }

    [Test]
    public async Task Grpc_AnswersOverTls_AfterAReload(CancellationToken ct)
    {
        var app = await TemplateApps.Get("tgrpc", "grpc");
        using var dir = new TempDirectory("gunicornet-grpc-tls");
        using var certificate = Certificates.SelfSigned(dir.File("cert.pem"), dir.File("key.pem"));
        var (server, url) = await ServerProcess.StartReady(app.PublishDll, workers: 2, ct, "--certfile", dir.File("cert.pem"), "--keyfile", dir.File("key.pem"), "--access-logfile", "-");
        await using var _ = server;
        var https = new Uri($"https://localhost:{url.Port}");
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString() },
        };
        using var channel = GrpcChannel.ForAddress(https, new GrpcChannelOptions { HttpHandler = handler });

        Assert.That(await SayHello(channel, "before", ct), Is.EqualTo("Hello before"));
        server.Signal(Posix.Signal.Hup);
        await server.WaitForReady(4, ct);
        Assert.That(await SayHello(channel, "after", ct), Is.EqualTo("Hello after"));
    }

    [Test]
    public async Task WebApi_BehindAProxyProtocolTlsHttp2Front_AcrossAHup_WithTheAccessLog(CancellationToken ct)
    {
        // The options of the protocols work at once: PROXY v2 before TLS, HTTP/2 by ALPN, the access
        // log, 2 workers, and a reload between two rounds of requests on long-lived connections.
        var app = await TemplateApps.Get("twebapi", "webapi");
        using var dir = new TempDirectory("gunicornet-webapi-protocols");
        using var certificate = Certificates.SelfSigned(dir.File("cert.pem"), dir.File("key.pem"));
        var (server, url) = await ServerProcess.StartReady(
            app.PublishDll, workers: 2, ct,
            "--certfile", dir.File("cert.pem"), "--keyfile", dir.File("key.pem"), "--http-protocols", "h2,h1",
            "--proxy-protocol", "v2", "--access-logfile", dir.File("access.log"), "--access-logformat", "%(h)s %(r)s %(s)s");
        await using var _ = server;

        // Each connection opens with a PROXY v2 header naming client 203.0.113.5, then TLS, then HTTP/2.
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString() },
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), token);
                byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C, 203, 0, 113, 5, 127, 0, 0, 1, 0x30, 0x39, 0x01, 0xBB];
                await socket.SendAsync(header, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{url.Port}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        async Task Round(string name)
        {
            for (var i = 0; i < 5; i++)
            {
                using var response = await client.GetAsync("/weatherforecast", ct);
                Assert.That((response.StatusCode, response.Version), Is.EqualTo((HttpStatusCode.OK, HttpVersion.Version20)), $"{name} {i}: {server.Output}");
                Assert.That(JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetArrayLength(), Is.EqualTo(5));
            }
        }

        await Round("before");
        server.Signal(Posix.Signal.Hup);
        await server.WaitForReload(2, ct);
        await Round("after");

        await Wait.Until(() => Lines(dir.File("access.log")).Length == 10, TimeSpan.FromSeconds(10), "ten access lines", ct, () => string.Join("\n", Lines(dir.File("access.log"))));
        Assert.That(Lines(dir.File("access.log")), Is.All.EqualTo("203.0.113.5 GET /weatherforecast HTTP/2 200"), "the PROXY header's client, over HTTP/2, in every line");
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));
    }

    /// <summary>greet.Greeter/SayHello of the template's proto, marshalled by hand: field 1, a string, both ways.</summary>
    private static async Task<string> SayHello(GrpcChannel channel, string name, CancellationToken ct)
    {
        var marshaller = Marshallers.Create<string>(
            text => [0x0A, (byte)Encoding.UTF8.GetByteCount(text), .. Encoding.UTF8.GetBytes(text)],
            bytes => bytes.Length == 0 ? "" : Encoding.UTF8.GetString(bytes, 2, bytes[1]));
        var method = new Method<string, string>(MethodType.Unary, "greet.Greeter", "SayHello", marshaller, marshaller);
        return await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(cancellationToken: ct), name);
    }

    private static async Task<string> AccessLine(string log, string request, CancellationToken ct)
    {
        string? line = null;
        await Wait.Until(() => (line = Lines(log).FirstOrDefault(l => l.Contains(request, StringComparison.Ordinal))) is not null, TimeSpan.FromSeconds(10), request + " in the access log", ct, () => string.Join("\n", Lines(log)));
        return line!;
    }

    private static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    [GeneratedRegex(@"HTTP/1\.1"" 200 (\d+) ")]
    private static partial Regex LengthRegex();
}
