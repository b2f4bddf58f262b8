using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary><c>--daemon</c> and <c>--reload</c>.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed partial class DaemonAndReloadTests
{
    private static readonly string App = Paths.TestApp("testapp");

    [Test]
    public async Task Daemon_ReturnsOnceBound_AndServesInItsOwnSession(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-daemon");
        var pidFile = dir.File("app.pid");
        var log = dir.File("error.log");

        var (code, output) = await Command.Run(ct, Paths.Server, "--daemon", "--pid", pidFile, "--error-logfile", log, "-b", "127.0.0.1:0", "--no-control-socket", App);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Is.Empty, "a daemon says nothing on the terminal");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].Split(' ');
            Assert.That(int.Parse(stat[3], CultureInfo.InvariantCulture), Is.EqualTo(pid), "the leader of its own session");
            Assert.That(Target(pid, 0), Is.EqualTo("/dev/null"));
            Assert.That(Target(pid, 1), Is.EqualTo("/dev/null"));
            Assert.That(Target(pid, 2), Is.EqualTo(log));

            var port = int.Parse(ListeningPort().Match(File.ReadAllText(log)).Groups[1].Value, CultureInfo.InvariantCulture);
            var answer = "";
            await Wait.Until(
                () =>
                {
                    try
                    {
                        answer = Http.Get(new Uri($"http://127.0.0.1:{port}/"), "/", ct).GetAwaiter().GetResult().Body;
                    }
                    catch (HttpRequestException)
                    {
                    }

                    return answer == "main";
                },
                TimeSpan.FromSeconds(30),
                "the daemon's worker answers",
                ct);
        }
        finally
        {
            Gunicornet.Posix.Signals.Send(pid, Gunicornet.Posix.Signal.Term);
            await Wait.Until(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(30), "the daemon gone", ct);
        }

        Assert.That(File.Exists(pidFile), Is.False, "its pidfile removed");
    }

    [Test]
    public async Task Daemon_ThatCannotBind_SaysSoOnTheTerminal_AndExits1(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using var _ = server;

        var (code, output) = await Command.Run(ct, Paths.Server, "--daemon", "-b", $"127.0.0.1:{url.Port}", "--no-control-socket", App);

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain($"Connection in use: 127.0.0.1:{url.Port}"));
    }

    [Test]
    public async Task Reload_OnAChangeToTheAppsCode_StartsANewGeneration_ButNotOnItsData(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-reload");
        var app = Path.Combine(dir.CopyTree(Path.GetDirectoryName(App)!, "app"), Path.GetFileName(App));
        var (server, _) = await ServerProcess.StartReady(app, workers: 1, ct, "--reload");
        await using var _ = server;
        await server.WaitForLine(WatchingLine(), ct);

        // Data first, then code: the reload names the first change that counts.
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "data.txt"), "written by the app", ct);
        File.Copy(App, app, overwrite: true);

        var reload = await server.WaitForLine(ReloadLine(), ct);
        Assert.That(reload.Groups[1].Value, Is.EqualTo(app));
        await Wait.Until(() => server.ReadyGenerations.Values.Contains(2), TimeSpan.FromSeconds(30), "a worker of generation 2", ct);
    }

    [Test]
    public async Task Reload_OnAChangeToAReloadExtraFile_StartsANewGeneration(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-reload-extra");
        var extra = dir.File("appsettings.Production.json");
        await File.WriteAllTextAsync(extra, "{}", ct);
        var (server, _) = await ServerProcess.StartReady(App, workers: 1, ct, "--reload", "--reload-extra-file", extra);
        await using var _ = server;
        await server.WaitForLine(WatchingLine(), ct);

        await File.WriteAllTextAsync(extra, "{ \"changed\": true }", ct);

        var reload = await server.WaitForLine(ReloadLine(), ct);
        Assert.That(reload.Groups[1].Value, Is.EqualTo(extra));
        await Wait.Until(() => server.ReadyGenerations.Values.Contains(2), TimeSpan.FromSeconds(30), "a worker of generation 2", ct);
    }

    private static string Target(int pid, int fd) => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget!;

    [GeneratedRegex(@"Listening at: http://127\.0\.0\.1:(\d+) ")]
    private static partial Regex ListeningPort();

    [GeneratedRegex(@"Reloading on changes: watching")]
    private static partial Regex WatchingLine();

    [GeneratedRegex(@"Control command: reload \((.+) changed\)")]
    private static partial Regex ReloadLine();
}
