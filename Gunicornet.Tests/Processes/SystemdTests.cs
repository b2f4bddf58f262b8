using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>systemd integration against a fake NOTIFY_SOCKET, and real socket activation.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SystemdTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("gunicornet-systemd");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Notify_ReadyReloadingStopping_StatusAndWatchdog(CancellationToken ct)
    {
        await using var notify = new FakeNotifySocket(_temp.File("notify.sock"));
        var server = ServerProcess.Start(
            ["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", Paths.Sample("hello")],
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "400000" });
        await using var _ = server;

        await Wait.Until(() => notify.Got("READY=1"), TimeSpan.FromSeconds(30), "READY=1", ct, notify.ToString);
        Assert.That(notify.Messages.First(m => m.Contains("READY=1")), Does.Contain("STATUS=Gunicornet: 2 of 2 workers ready (generation 1)"));
        await Wait.Until(() => notify.Got("WATCHDOG=1", times: 3), TimeSpan.FromSeconds(10), "watchdog pings", ct, notify.ToString);
        foreach (var worker in server.LiveWorkers())
        {
            Assert.That(File.ReadAllText($"/proc/{worker}/environ"), Does.Not.Contain("NOTIFY_SOCKET"), "workers do not see the notify socket");
        }

        server.Signal(Signal.Hup);
        await Wait.Until(() => notify.Got("RELOADING=1") && notify.Got("READY=1", times: 2), TimeSpan.FromSeconds(30), "RELOADING then READY", ct, notify.ToString);
        Assert.That(notify.Messages.First(m => m.Contains("RELOADING=1")), Does.Match(@"MONOTONIC_USEC=\d+"));

        server.Signal(Signal.Term);
        await server.WaitForExit(ct);
        await Wait.Until(() => notify.Got("STOPPING=1"), TimeSpan.FromSeconds(5), "STOPPING=1", ct, notify.ToString);
    }

    [Test]
    public async Task SocketActivation_TakesPrecedenceOverBind(CancellationToken ct)
    {
        var path = _temp.File("activated.sock");

        // systemd-socket-activate binds the socket and execs gunicornet on the first connection,
        // with LISTEN_FDS=1 and LISTEN_PID set; the --bind given is not used.
        var server = ServerProcess.Start(
            ["-b", "127.0.0.1:1", "--log-level", "debug", Paths.Sample("hello")],
            fileName: "systemd-socket-activate",
            prefix: ["-l", path, Paths.Server]);
        await using var _ = server;
        await server.WaitForLine(new Regex("Listening on .*activated.sock"), ct);

        var (status, body) = await Http.GetUnix(path, "/", ct);

        Assert.That(status, Is.EqualTo(200));
        Assert.That(body, Does.StartWith("Hello from Gunicornet worker"));
        Assert.That(server.Output, Does.Contain("Listeners from systemd socket activation; --bind is not used"));
        Assert.That(server.Output, Does.Not.Contain("Listening at: http://127.0.0.1:1 "));
    }
}
