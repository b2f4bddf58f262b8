using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
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
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("gunicornet-systemd").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task Notify_ReadyReloadingStopping_StatusAndWatchdog(CancellationToken ct)
    {
        var path = Path.Combine(_dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        var messages = new ConcurrentQueue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiver = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (!stop.IsCancellationRequested)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                messages.Enqueue(Encoding.UTF8.GetString(buffer, 0, n));
            }
        });
        bool Got(string text, int times = 1) => messages.Count(m => m.Contains(text, StringComparison.Ordinal)) >= times;
        string Messages() => string.Join("\n--\n", messages);

        var server = ServerProcess.Start(
            ["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", Paths.Sample("hello")],
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "400000" });
        await using (server)
        {
            await Wait.Until(() => Got("READY=1"), TimeSpan.FromSeconds(30), "READY=1", ct, Messages);
            Assert.That(messages.First(m => m.Contains("READY=1")), Does.Contain("STATUS=Gunicornet: 2 of 2 workers ready (generation 1)"));
            await Wait.Until(() => Got("WATCHDOG=1", times: 3), TimeSpan.FromSeconds(10), "watchdog pings", ct, Messages);
            foreach (var worker in server.LiveWorkers())
            {
                Assert.That(File.ReadAllText($"/proc/{worker}/environ"), Does.Not.Contain("NOTIFY_SOCKET"), "workers do not see the notify socket");
            }

            server.Signal(Signal.Hup);
            await Wait.Until(() => Got("RELOADING=1") && Got("READY=1", times: 2), TimeSpan.FromSeconds(30), "RELOADING then READY", ct, Messages);
            Assert.That(messages.First(m => m.Contains("RELOADING=1")), Does.Match(@"MONOTONIC_USEC=\d+"));

            server.Signal(Signal.Term);
            await server.WaitForExit(ct);
            await Wait.Until(() => Got("STOPPING=1"), TimeSpan.FromSeconds(5), "STOPPING=1", ct, Messages);
        }

        await stop.CancelAsync();
        await Task.WhenAny(receiver);
    }

    [Test]
    public async Task SocketActivation_TakesPrecedenceOverBind(CancellationToken ct)
    {
        var path = Path.Combine(_dir, "activated.sock");

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
