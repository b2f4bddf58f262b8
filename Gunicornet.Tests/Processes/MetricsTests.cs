using System.Globalization;
using System.Text.Json.Nodes;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// <c>--metrics-bind</c>: the pool's metrics from the master, per worker slot, counters that never go
/// down across a kill -9 and a HUP; scraped by a real Prometheus (Debian's, which CI installs).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class MetricsTests
{
    private static Uri MetricsUrl(ServerProcess server) => new((string)server.Ask("show listeners")!["metrics"]![0]!);

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain <paramref name="having"/>, from /metrics.</summary>
    private static async Task<double> Sum(Uri metrics, string name, string having, CancellationToken ct)
    {
        var (_, text) = await Http.Get(metrics, "", ct);
        return text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(having, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task Send(Uri url, int count, CancellationToken ct)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        }
    }

    [Test]
    public async Task Prometheus_CountsEveryRequest_AcrossAKill9AndAHup_WithNoCounterReset(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 2, ct, "--metrics-bind", "127.0.0.1:0");
        await using var _ = server;
        var metrics = MetricsUrl(server);
        await using var prometheus = await PrometheusServer.Start($"{metrics.Host}:{metrics.Port}", ct);
        const string Served = "http_server_request_duration_seconds_count";
        const string Root = "http_route=\"/\"";

        await Send(url, 300, ct);
        // The figures come with the heartbeats: a worker killed before its next one would take its last second with it.
        await Wait.Until(() => Sum(metrics, Served, Root, ct).GetAwaiter().GetResult() == 300, TimeSpan.FromSeconds(10), "300 requests in /metrics", ct, () => server.Output);
        var victim = server.LiveWorkers()[0];
        Signals.Send(victim, Signal.Kill);
        await Wait.Until(() => !server.LiveWorkers().Contains(victim) && server.ShowWorkers().Count(w => w.State == "ready") == 2, TimeSpan.FromSeconds(30), "the killed worker replaced", ct, () => server.Output);

        await Send(url, 200, ct);
        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);
        await Send(url, 100, ct);
        await Wait.Until(() => Sum(metrics, Served, Root, ct).GetAwaiter().GetResult() == 600, TimeSpan.FromSeconds(10), "600 requests in /metrics", ct, () => server.Output);

        await Wait.Until(
            () => prometheus.Query($"sum({Served}{{{Root}}})", ct).GetAwaiter().GetResult() == 600,
            TimeSpan.FromSeconds(30),
            "Prometheus to have scraped 600 requests",
            ct,
            () => prometheus.Output);
        Assert.That(await prometheus.Query($"sum(resets({Served}{{{Root}}}[5m]))", ct), Is.Zero, "no counter went down across the kill -9 and the HUP");
        Assert.That(await prometheus.Query($"count(count by (worker) ({Served}{{{Root}}}))", ct), Is.EqualTo(2), "one series per slot, not per process");
        Assert.That(await prometheus.Query("sum(gunicornet_worker_restarts_total{reason=\"kill\"})", ct), Is.EqualTo(1));
        Assert.That(await prometheus.Query("sum(gunicornet_reloads_total{result=\"completed\"})", ct), Is.EqualTo(1));
        Assert.That(await prometheus.Query("gunicornet_generation", ct), Is.EqualTo(2));
        Assert.That(await prometheus.Query("sum(gunicornet_workers{state=\"ready\"})", ct), Is.EqualTo(2));
    }

    [Test]
    public async Task TheEndpoint_SpeaksPrometheusAndOpenMetrics_OnTcpAndUnix_AndCtlShowsTheSame(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-metrics");
        var socket = dir.File("metrics.sock");
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--metrics-bind", "127.0.0.1:0", "--metrics-bind", "unix:" + socket);
        await using var _ = server;
        var metrics = MetricsUrl(server);
        await Send(url, 5, ct);
        Assert.That((await Http.Get(url, "/nothing-here", ct)).Status, Is.EqualTo(404));
        await Wait.Until(() => Sum(metrics, "http_server_request_duration_seconds_count", "", ct).GetAwaiter().GetResult() == 6, TimeSpan.FromSeconds(10), "6 requests in /metrics", ct, () => server.Output);

        var (status, text) = await Http.Get(metrics, "", ct);
        Assert.That(status, Is.EqualTo(200));
        Assert.That(text, Does.Contain("# TYPE http_server_request_duration_seconds histogram"));
        Assert.That(text, Does.Contain("http_server_request_duration_seconds_count{worker=\"1\",http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"/\"} 5"));
        Assert.That(text, Does.Contain("http_server_request_duration_seconds_count{worker=\"1\",http_request_method=\"GET\",http_response_status_code=\"404\"} 1"), "no route: no http_route label");
        Assert.That(text, Does.Contain("http_server_request_duration_seconds_bucket{worker=\"1\",http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"/\",le=\"+Inf\"} 5"));
        Assert.That(text, Does.Contain("# TYPE kestrel_rejected_connections_total counter"));
        Assert.That(text, Does.Contain("gunicornet_workers{state=\"ready\"} 1"));
        Assert.That(text, Does.Not.Contain("# EOF"));

        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, metrics);
        request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
        using var response = await client.SendAsync(request, ct);
        var open = await response.Content.ReadAsStringAsync(ct);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/openmetrics-text"));
        Assert.That(open, Does.Contain("# TYPE kestrel_rejected_connections counter").And.Contain("# UNIT http_server_request_duration_seconds seconds").And.EndWith("# EOF\n"));

        Assert.That((await Http.GetUnix(socket, "/metrics", ct)).Body, Does.Contain("gunicornet_workers{state=\"ready\"} 1"));
        Assert.That((await Http.Get(metrics, "/elsewhere", ct)).Status, Is.EqualTo(404));

        var (code, table) = await Command.Run(ct, Paths.Server, "ctl", "-s", server.ControlSocket!, "show", "metrics");
        Assert.That(code, Is.Zero, table);
        Assert.That(table.Split('\n'), Has.Some.Match(@"^gunicornet_workers\{state=""ready""\}\s+1$"));
    }

    [Test]
    public async Task AMetricsAddressInUse_IsAOneLineErrorAtStart(CancellationToken ct)
    {
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        taken.Listen(1);

        var (code, output) = await Command.Run(ct, Paths.Server, "-b", "127.0.0.1:0", "--no-control-socket", "--metrics-bind", taken.LocalEndPoint!.ToString()!, Paths.Sample("hello"));
        var (badCode, badOutput) = await Command.Run(ct, Paths.Server, "--metrics-bind", "fd://3", Paths.Sample("hello"));

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain($"Connection in use: {taken.LocalEndPoint}"));
        Assert.That(badCode, Is.EqualTo(2), badOutput);
        Assert.That(badOutput.Trim(), Is.EqualTo("gunicornet: error: --metrics-bind: 'fd://3': metrics are served on an address, not an inherited descriptor"));
    }

    /// <summary>Receives statsd datagrams until the requests counted reach <paramref name="requests"/>; every metric received, one per line.</summary>
    private static async Task<List<string>> ReceiveStatsd(System.Net.Sockets.Socket socket, int requests, string prefix, CancellationToken ct)
    {
        var lines = new List<string>();
        var buffer = new byte[65536];
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        while (lines.Where(l => l.StartsWith(prefix + "requests:", StringComparison.Ordinal)).Sum(l => int.Parse(l.Split(':', '|')[1], CultureInfo.InvariantCulture)) < requests)
        {
            var read = await socket.ReceiveAsync(buffer, bound.Token);
            lines.AddRange(System.Text.Encoding.ASCII.GetString(buffer, 0, read).Split('\n'));
        }

        return lines;
    }

    [Test]
    public async Task Statsd_GetsGunicornsNames_WithTheTags_OverUdp(CancellationToken ct)
    {
        using var statsd = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        statsd.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 2, ct, "--statsd-host", statsd.LocalEndPoint!.ToString()!, "--dogstatsd-tags", "env:test,canary");
        await using var _ = server;

        await Send(url, 30, ct);
        Assert.That((await Http.Get(url, "/nothing-here", ct)).Status, Is.EqualTo(404));
        var lines = await ReceiveStatsd(statsd, 31, "gunicorn.", ct);

        Assert.That(lines, Is.All.EndWith("|#env:test,canary"));
        Assert.That(lines.Where(l => l.StartsWith("gunicorn.request.status.200:", StringComparison.Ordinal)).Sum(l => int.Parse(l.Split(':', '|')[1], CultureInfo.InvariantCulture)), Is.EqualTo(30));
        Assert.That(lines.Where(l => l.StartsWith("gunicorn.request.status.404:", StringComparison.Ordinal)).Sum(l => int.Parse(l.Split(':', '|')[1], CultureInfo.InvariantCulture)), Is.EqualTo(1));
        Assert.That(lines, Has.Some.Match(@"^gunicorn\.request\.duration:[0-9.]+\|ms\|@[0-9.]+\|#"));
        Assert.That(lines, Has.Some.StartWith("gunicorn.workers:2|g"));
    }

    [Test]
    public async Task Statsd_OverAUnixSocket_TakesThePrefix_AndAStatsdThatIsDown_CostsServingNothing(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-statsd");
        using var statsd = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        statsd.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(dir.File("statsd.sock")));
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--statsd-host", "unix:" + dir.File("statsd.sock"), "--statsd-prefix", "myapp");
        await using (server)
        {
            await Send(url, 10, ct);
            var lines = await ReceiveStatsd(statsd, 10, "myapp.", ct);
            Assert.That(lines, Has.Some.StartWith("myapp.request.status.200:"));
            Assert.That(lines, Has.None.StartWith("gunicorn."));
        }

        var (down, downUrl) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--statsd-host", "unix:" + dir.File("nobody.sock"));
        await using (down)
        {
            await Send(downUrl, 50, ct);
            Assert.That(down.HasExited, Is.False);
            Assert.That(down.ShowWorkers().Count(w => w.State == "ready"), Is.EqualTo(1), "the pool as it was: a statsd that is down is no fault of the server");
        }
    }
}
