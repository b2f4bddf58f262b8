using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>USR2: a new master on the same sockets, finished with TERM to the old one or rolled back.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class UpgradeTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("gunicornet-usr2");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Usr2_StartsANewMasterOnTheSameSockets_WinchAndTermToTheOldFinishTheUpgrade(CancellationToken ct)
    {
        var pidFile = _temp.File("master.pid");
        // No control socket: the new master's would wait for the old one's to be free, so the test
        // learns which workers are ready, of either master, from their ready lines.
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct, "--pid", pidFile, "--no-control-socket");
        await using var _ = server;
        var oldWorkers = server.LiveWorkers();
        var load = KeepAliveLoad.Start(url.Port, connections: 4);

        server.Signal(Signal.Usr2);
        var newMaster = int.Parse((await server.WaitForLine(new Regex(@"Started new master with pid: (\d+)"), ct)).Groups[1].Value, CultureInfo.InvariantCulture);
        await server.WaitForLine(new Regex($@"\[{newMaster}\] \[INFO\] Listening at: {Regex.Escape(url.ToString().TrimEnd('/'))} \({newMaster}\)"), ct);
        await Wait.Until(() => server.ReadyWorkers.Count(w => ProcessInfo.ParentOf(w) == newMaster) == 2, TimeSpan.FromSeconds(30), "the new master's workers", ct, () => server.Output);
        Assert.That(ReadPid(pidFile), Is.EqualTo(newMaster), "the new master wrote the pidfile");
        Assert.That(ReadPid(pidFile + ".oldbin"), Is.EqualTo(server.Pid), "the old one moved to .oldbin");

        server.Signal(Signal.Winch);
        await Wait.Until(() => oldWorkers.All(w => !ProcessInfo.IsAlive(w)), TimeSpan.FromSeconds(15), "the old workers to leave", ct, () => server.Output);
        server.Signal(Signal.Term);
        Assert.That(await server.WaitForExit(ct), Is.EqualTo(0), server.Output);
        await Task.Delay(200, ct);
        await load.StopAsync();

        try
        {
            Assert.That(load.Failed, Is.Zero, load.ToString());
            Assert.That((await Http.Get(url, "/", ct)).Body, Does.StartWith("Hello"), "the new master serves on the same port");
            Assert.That(ReadPid(pidFile), Is.EqualTo(newMaster));
            Assert.That(File.Exists(pidFile + ".oldbin"), Is.False, "the old master removed its .oldbin at exit");
        }
        finally
        {
            Signals.Send(newMaster, Signal.Term);
            await Wait.Until(() => !ProcessInfo.IsAlive(newMaster), TimeSpan.FromSeconds(15), "the new master to stop", ct, () => server.Output);
        }

        Assert.That(File.Exists(pidFile), Is.False, "the new master removed its pidfile at exit");
    }

    [Test]
    public async Task Usr2_UnderSystemd_HandsMainPidToTheNewMaster_WhichNotifiesItself(CancellationToken ct)
    {
        await using var notify = new FakeNotifySocket(_temp.File("notify.sock"));
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", Paths.Sample("hello")], new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notify.Path });
        await using (server)
        {
            await server.WaitForReady(1, ct);
            await Wait.Until(() => notify.Got("READY=1"), TimeSpan.FromSeconds(10), "READY", ct, notify.ToString);

            server.Signal(Signal.Usr2);
            var newMaster = int.Parse((await server.WaitForLine(new Regex(@"Started new master with pid: (\d+)"), ct)).Groups[1].Value, CultureInfo.InvariantCulture);

            await Wait.Until(() => notify.Got($"MAINPID={newMaster}"), TimeSpan.FromSeconds(10), "MAINPID of the new master", ct, notify.ToString);
            await Wait.Until(() => notify.Got("READY=1", times: 2), TimeSpan.FromSeconds(30), "READY from the new master", ct, notify.ToString);
            Signals.Send(newMaster, Signal.Term);
            await server.WaitForLine(new Regex($@"New master \(pid:{newMaster}\) exited"), ct);
            await Wait.Until(() => notify.Got($"MAINPID={server.Pid}"), TimeSpan.FromSeconds(10), "MAINPID back to the old master", ct, notify.ToString);
        }
    }

    [Test]
    public async Task Usr2_RolledBack_ByHupToTheOldMasterAndTermToTheNewOne_GivesThePidfileBack(CancellationToken ct)
    {
        var pidFile = _temp.File("master.pid");
        // No control socket: the new master's would wait for the old one's to be free, so the test
        // learns which workers are ready, of either master, from their ready lines.
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--pid", pidFile, "--no-control-socket");
        await using var _ = server;
        var oldWorker = server.LiveWorkers().Single();

        server.Signal(Signal.Usr2);
        var newMaster = int.Parse((await server.WaitForLine(new Regex(@"Started new master with pid: (\d+)"), ct)).Groups[1].Value, CultureInfo.InvariantCulture);
        await Wait.Until(() => ReadPid(pidFile) == newMaster, TimeSpan.FromSeconds(30), "the new master's pidfile", ct, () => server.Output);
        await Wait.Until(() => server.ReadyWorkers.Any(w => ProcessInfo.ParentOf(w) == newMaster), TimeSpan.FromSeconds(30), "the new master's worker", ct, () => server.Output);
        server.Signal(Signal.Winch);
        await Wait.Until(() => !ProcessInfo.IsAlive(oldWorker), TimeSpan.FromSeconds(15), "the old master's worker to stop", ct, () => server.Output);

        // The new code turns out bad: the old master takes over again.
        server.Signal(Signal.Hup);
        await Wait.Until(() => server.LiveWorkers().Count == 1, TimeSpan.FromSeconds(30), "the old master's workers back", ct, () => server.Output);
        Signals.Send(newMaster, Signal.Term);

        await server.WaitForLine(new Regex($@"New master \(pid:{newMaster}\) exited with code 0"), ct);
        await Wait.Until(() => ReadPid(pidFile) == server.Pid, TimeSpan.FromSeconds(10), "the pidfile back with the old master", ct, () => server.Output);
        Assert.That(File.Exists(pidFile + ".oldbin"), Is.False);
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200), "the old master still serves");
    }

    private static int? ReadPid(string path) =>
        File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
}
