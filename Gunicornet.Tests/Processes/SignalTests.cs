using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>TTIN, TTOU, WINCH and USR1, sent for real.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SignalTests
{
    [Test]
    public async Task Ttin_AddsAWorker_Ttou_RetiresTheOldest(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct);
        await using var _ = server;
        var oldest = server.BootedWorkers[0];

        server.Signal(Signal.Ttin);
        await server.WaitForReady(3, ct);
        Assert.That(server.LiveWorkers(), Has.Count.EqualTo(3));

        server.Signal(Signal.Ttou);
        await Wait.Until(() => !ProcessInfo.IsAlive(oldest), TimeSpan.FromSeconds(10), "the oldest worker to leave", ct, () => server.Output);
        Assert.That(server.LiveWorkers(), Has.Count.EqualTo(2).And.No.Member(oldest));
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task Ttou_NeverGoesBelowOneWorker(CancellationToken ct)
    {
        var (server, _) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct);
        await using var __ = server;

        server.Signal(Signal.Ttou);
        await server.WaitForLine(new Regex("Number of workers: 1"), ct);

        Assert.That(server.LiveWorkers(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Winch_StopsEveryWorker_KeepsTheMasterAndItsSocket_AndTtinBringsOneBack(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct);
        await using var _ = server;
        var workers = server.LiveWorkers();

        server.Signal(Signal.Winch);
        await Wait.Until(() => workers.All(w => !ProcessInfo.IsAlive(w)), TimeSpan.FromSeconds(10), "every worker to leave", ct, () => server.Output);
        Assert.That(server.HasExited, Is.False);
        Assert.That(Http.CanBind(url.Port), Is.False, "the master still holds the socket");

        // A request made now waits in the backlog and is served once a worker is back.
        var waiting = Http.Get(url, "/", ct);
        server.Signal(Signal.Ttin);
        Assert.That((await waiting).Status, Is.EqualTo(200));
        Assert.That(server.LiveWorkers(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Usr1_ReopensTheErrorLog_InTheMasterAndEveryWorker(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("gunicornet-usr1").FullName;
        try
        {
            var log = Path.Combine(dir, "error.log");
            var rotated = log + ".1";
            var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", "--error-logfile", log, Paths.TestApp("testapp")]);
            await using var _ = server;
            await Wait.Until(() => Read(log).Contains("ready after") && ReadyCount(log) == 2, TimeSpan.FromSeconds(30), "two ready workers in the log file", ct, () => Read(log));
            var url = new Uri(Regex.Match(Read(log), @"Listening at: (\S+) ").Groups[1].Value);
            Assert.That(server.Output, Is.Empty, "nothing goes to stderr");

            File.Move(log, rotated);
            server.Signal(Signal.Usr1);

            // Each process says so in the new file once it has reopened it.
            await Wait.Until(() => Regex.Matches(Read(log), "Reopened log file").Count == 3, TimeSpan.FromSeconds(10), "master and both workers to reopen", ct, () => Read(log) + "\n---\n" + Read(rotated));
            var rotatedLength = new FileInfo(rotated).Length;
            for (var i = 0; i < 10; i++)
            {
                await Http.Get(url, $"/slow?ms=0&tag=after-{i}", ct);
            }

            await Wait.Until(() => Regex.Matches(Read(log), "slow-started after-").Count == 10, TimeSpan.FromSeconds(10), "the app's lines in the new file", ct, () => Read(log));
            Assert.That(new FileInfo(rotated).Length, Is.EqualTo(rotatedLength), "the renamed file receives nothing more");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("Int")]
    [TestCase("Quit")]
    [TestCase("Term")]
    public async Task ASignalIgnoredWhenTheMasterStarted_IsStillHandled(string name, CancellationToken ct)
    {
        // What a non-interactive shell does to a command started with '&' (and nohup to HUP): the
        // signal is ignored when the master starts. The shell then execs the master in its place.
        var signal = Enum.Parse<Signal>(name);
        var server = ServerProcess.Start(
            ["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", "--no-control-socket", Paths.Sample("hello")],
            fileName: "sh",
            prefix: ["-c", "trap '' INT QUIT TERM HUP; exec \"$0\" \"$@\"", Paths.Server]);
        await using var _ = server;
        await server.WaitForReady(1, ct);

        server.Signal(signal);

        Assert.That(await server.WaitForExit(ct, TimeSpan.FromSeconds(15)), Is.Zero, server.Output);
        Assert.That(server.Output, Does.Contain($"Handling signal: {name.ToLowerInvariant()}"));
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static int ReadyCount(string path) => Regex.Matches(Read(path), "ready after").Count;
}
