using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>The access log: off by default, to a file or stdout, whole lines from every worker, reopened on USR1.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class AccessLogTests
{
    [Test]
    public async Task IsOffByDefault(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct);
        await using var _ = server;

        await Http.Get(url, "/pid?x=1", ct);

        // A worker writes out its queued access lines before it exits: after the stop, all are in.
        server.Signal(Signal.Term);
        await server.WaitForExit(ct);
        Assert.That(server.Output, Does.Not.Contain("GET /pid"));
    }

    [Test]
    public async Task ToStdout_WithADash(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--access-logfile", "-");
        await using var _ = server;

        await Http.Get(url, "/pid?x=1", ct);

        await server.WaitForLine(new Regex(@"^127\.0\.0\.1 - - \[.*\] ""GET /pid\?x=1 HTTP/1\.1"" 200 \d+ ""-"" ""-""$"), ct);
    }

    [Test]
    public async Task UnderConcurrentLoad_EveryRequestIsOneWholeLine_FromEveryWorker(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-access");
        var log = temp.File("access.log");
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct, "--access-logfile", log, "--access-logformat", "%(p)s %(s)s \"%(r)s\" %(b)s");
        await using var _ = server;
        var load = KeepAliveLoad.Start(url.Port, connections: 16, path: "/pid");
        await Wait.Until(() => load.Succeeded > 5000, TimeSpan.FromSeconds(30), "load", ct, load.ToString);
        await load.StopAsync();

        await Wait.Until(() => Lines(log).Length >= load.Succeeded, TimeSpan.FromSeconds(10), "every line written", ct, () => $"{Lines(log).Length} lines for {load.Succeeded} requests");
        var lines = Lines(log);
        Assert.That(lines, Has.Length.EqualTo(load.Succeeded));
        var broken = lines.Where(l => !LineRegex().IsMatch(l)).Take(3).ToList();
        Assert.That(broken, Is.Empty, "whole, unmixed lines");
        Assert.That(lines.Select(l => l.Split(' ')[0]).Distinct().Count(), Is.EqualTo(2), "both workers wrote");
    }

    [Test]
    public async Task Usr1_ReopensTheAccessLog(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-access");
        var log = temp.File("access.log");
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct, "--access-logfile", log);
        await using var _ = server;
        await Http.Get(url, "/before", ct);
        await Wait.Until(() => Lines(log).Length == 1, TimeSpan.FromSeconds(10), "the first line", ct);

        File.Move(log, log + ".1");
        server.Signal(Signal.Usr1);
        await Wait.Until(() => ReopenedWorkers(server) == 2, TimeSpan.FromSeconds(10), "both workers to reopen", ct, () => server.Output);
        for (var i = 0; i < 10; i++)
        {
            await Http.Get(url, $"/after-{i}", ct);
        }

        await Wait.Until(() => Lines(log).Length == 10, TimeSpan.FromSeconds(10), "the new file's lines", ct, () => string.Join("\n", Lines(log)));
        Assert.That(Lines(log + ".1"), Has.Length.EqualTo(1).And.All.Contains("/before"));
    }

    [Test]
    public async Task EnvironAtoms_AreTheRequestsAsGunicornsAre_AndTheRequestLineIsAsSent(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-access");
        var log = temp.File("access.log");
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--access-logfile", log, "--access-logformat",
            "%(r)s|%(U)s|%(q)s|%({raw_uri}e)s|%({REMOTE_ADDR}e)s|%({server_port}e)s|%({wsgi.url_scheme}e)s|%({HTTP_X_TRACE}e)s|%({PATH}e)s");
        await using var _ = server;

        var (statuses, _) = await RawHttp.Exchange(url.Port, System.Text.Encoding.ASCII.GetBytes("GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-Trace: t1\r\nConnection: close\r\n\r\n"), ct);
        Assert.That(statuses, Is.EqualTo(new[] { 404 }));

        await Wait.Until(() => Lines(log).Length == 1, TimeSpan.FromSeconds(10), "the line", ct);
        Assert.That(Lines(log)[0], Is.EqualTo($"GET /a%20b?x=1 HTTP/1.1|/a b|x=1|/a%20b?x=1|127.0.0.1|{url.Port}|http|t1|-"));
    }

    [Test]
    public async Task ABadFormat_IsAUsageError(CancellationToken ct)
    {
        var server = ServerProcess.Start(["--access-logformat", "%(h)s %(zz)s", Paths.Sample("hello")]);
        await using var _ = server;

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(ExitCodes.Usage));
        Assert.That(server.Output, Does.Contain("unknown access log atom '%(zz)s'"));
    }

    /// <summary>The workers that said (at debug level) that they reopened the access log.</summary>
    private static int ReopenedWorkers(ServerProcess server) => server.LiveWorkers().Count(w => server.Output.Contains($"[{w}] [DEBUG] Reopened access log", StringComparison.Ordinal));

    private static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    [GeneratedRegex(@"^<\d+> 200 ""GET /pid HTTP/1\.1"" \d+$")]
    private static partial Regex LineRegex();
}
