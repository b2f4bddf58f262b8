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
    public async Task AWorker_IgnoresHupTtinTtouWinchAndUsr2_AndReopensOnUsr1(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-signals");
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--access-logfile", temp.File("access.log"));
        await using var _ = server;
        var worker = server.LiveWorkers().Single();

        foreach (var signal in new[] { Signal.Hup, Signal.Ttin, Signal.Ttou, Signal.Winch, Signal.Usr2, Signal.Usr1 })
        {
            Signals.Send(worker, signal);
        }

        // USR1, sent last, says it was handled; the ones before it did nothing.
        await server.WaitForLine(new Regex($@"\[{worker}\] \[DEBUG\] Reopened access log"), ct);
        Assert.That((await Http.Get(url, "/pid", ct)).Body, Is.EqualTo(worker.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(server.LiveWorkers(), Is.EqualTo(new[] { worker }));
    }

    [TestCase("TERM", true)]
    [TestCase("INT", false)]
    [TestCase("QUIT", false)]
    public async Task AWorker_DrainsOnTerm_AndExitsAtOnceOnIntAndQuit(string name, bool drains, CancellationToken ct)
    {
        var signal = Enum.Parse<Signal>(name, ignoreCase: true);
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct);
        await using var _ = server;
        var worker = server.LiveWorkers().Single();

        // A raw request, answered or cut: an HTTP client would send it again to the next worker.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, url.Port, ct);
        await socket.SendAsync("GET /slow?ms=3000&tag=signalled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, ct);
        await server.WaitForLine(new Regex("slow-started signalled"), ct);

        Signals.Send(worker, signal);

        var answer = await ReadToEnd(socket, ct);
        if (drains)
        {
            Assert.That(answer, Does.StartWith("HTTP/1.1 200 ").And.Contain("slow-done"), "the request in flight finished");
        }
        else
        {
            Assert.That(answer, Is.Empty, "the request in flight was cut: its connection closed without an answer");
        }

        await Wait.Until(() => !ProcessInfo.IsAlive(worker), TimeSpan.FromSeconds(10), "the worker to exit", ct, () => server.Output);
        await server.WaitForReady(2, ct);
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200), "the master replaced it");
    }

    /// <summary>What the server sends until it closes the connection (nothing when it is cut).</summary>
    private static async Task<string> ReadToEnd(System.Net.Sockets.Socket socket, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, ct)) > 0)
            {
                text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Reset: cut.
        }

        return text.ToString();
    }

    [TestCase("TERM")]
    [TestCase("WINCH")]
    public async Task TheMastersTermAndWinch_LetTheRequestsInFlightFinish(string name, CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 2, ct);
        await using var _ = server;
        var slow = Http.Send(HttpMethod.Get, url, "/slow?ms=2000&tag=draining", ct);
        await server.WaitForLine(new Regex("slow-started draining"), ct);

        server.Signal(Enum.Parse<Signal>(name, ignoreCase: true));

        var (status, body, response) = await slow;
        Assert.That((status, body), Is.EqualTo((200, "slow-done")));
        Assert.That(response.Headers.ConnectionClose, Is.True, "answered with Connection: close: the worker was draining");
        if (name == "TERM")
        {
            Assert.That(await server.WaitForExit(ct), Is.Zero);
        }
        else
        {
            await Wait.Until(() => server.LiveWorkers().Count == 0, TimeSpan.FromSeconds(10), "every worker to leave", ct, () => server.Output);
            Assert.That(server.HasExited, Is.False);
        }
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
            ["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", Paths.Sample("hello")],
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
