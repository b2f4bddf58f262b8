using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>Workers replaced, stops graceful and quick, and no orphan when the master dies: signals sent for real.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class LifecycleTests
{
    [Test]
    public async Task AWorkerKilledWithSigkill_IsReplacedAtOnce(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct);
        await using var _ = server;
        var victim = server.LiveWorkers()[0];

        Signals.Send(victim, Signal.Kill);

        await server.WaitForLine(new Regex($@"Worker \(pid:{victim}\) was sent SIGKILL!"), ct);
        await server.WaitForReady(3, ct);
        var workers = server.LiveWorkers();
        Assert.That(workers, Has.Count.EqualTo(2).And.No.Member(victim), server.Output);
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task AtDebugLevel_EachWorkerSaysWhatItsBootCompiled(CancellationToken ct)
    {
        var (server, _) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct);
        await using var _ = server;

        foreach (var worker in server.LiveWorkers())
        {
            var line = await server.WaitForLine(new Regex($@"\[{worker}\] \[DEBUG\] App started: (\d+) methods compiled at run time, in \d+ ms"), ct);
            Assert.That(int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThan(0), line.Value);
        }
    }

    [Test]
    public async Task Term_LetsAnInFlightRequestFinish_ThenExitsZero_AndCleansUp(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("gunicornet-term").FullName;
        try
        {
            var pidFile = Path.Combine(dir, "master.pid");
            var unix = Path.Combine(dir, "app.sock");
            var (server, url) = await ServerProcess.StartReady(
                Paths.TestApp("testapp"), workers: 2, ct, "--pid", pidFile, "-b", $"unix:{unix}", "--graceful-timeout", "30");
            await using var _ = server;
            Assert.That(File.Exists(pidFile) && File.Exists(unix), Is.True, server.Output);
            var workers = server.LiveWorkers();

            var slow = Http.Get(url, "/slow?ms=2000&tag=drain", ct);
            await server.WaitForLine(new Regex("slow-started drain"), ct);
            server.Signal(Signal.Term);

            Assert.That(await slow, Is.EqualTo((200, "slow-done")), server.Output);
            Assert.That(await server.WaitForExit(ct), Is.EqualTo(0), server.Output);
            Assert.That(server.Output, Does.Contain("Handling signal: term"));
            foreach (var worker in workers)
            {
                Assert.That(server.Output, Does.Contain($"Worker exiting (pid: {worker})"));
            }

            Assert.That(server.Output, Does.Contain("Shutting down: Master"));
            Assert.That(File.Exists(pidFile), Is.False, "pidfile removed");
            Assert.That(File.Exists(unix), Is.False, "unix socket removed");
            await Wait.Until(() => workers.All(w => !ProcessInfo.IsAlive(w)), TimeSpan.FromSeconds(5), "workers gone", ct);
            await Wait.Until(() => Http.CanBind(url.Port), TimeSpan.FromSeconds(2), "the port to be free", ct, () => Listeners(url.Port));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("Int")]
    [TestCase("Quit")]
    public async Task IntAndQuit_StopAtOnce_WithoutWaitingForRequests(string name, CancellationToken ct)
    {
        var signal = Enum.Parse<Signal>(name);
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 2, ct, "--graceful-timeout", "60");
        await using var _ = server;
        var workers = server.LiveWorkers();
        var slow = Http.Get(url, "/slow?ms=60000&tag=quick", ct);
        await server.WaitForLine(new Regex("slow-started quick"), ct);

        server.Signal(signal);

        // Far below the 60 s a graceful stop would allow the slow request.
        Assert.That(await server.WaitForExit(ct, TimeSpan.FromSeconds(15)), Is.EqualTo(0), server.Output);
        Assert.That(server.Output, Does.Contain($"Handling signal: {name.ToLowerInvariant()}"));
        Assert.That(async () => await slow, Throws.InstanceOf<HttpRequestException>(), "the in-flight request was cut");
        await Wait.Until(() => workers.All(w => !ProcessInfo.IsAlive(w)), TimeSpan.FromSeconds(5), "workers gone", ct);
    }

    [Test]
    public async Task Term_KillsAWorkerWhoseRequestOutlivesTheGracefulTimeout(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--graceful-timeout", "1");
        await using var _ = server;
        var slow = Http.Get(url, "/slow?ms=60000&tag=overdue", ct);
        await server.WaitForLine(new Regex("slow-started overdue"), ct);

        server.Signal(Signal.Term);

        Assert.That(await server.WaitForExit(ct, TimeSpan.FromSeconds(20)), Is.EqualTo(0), server.Output);
        // Cut without a response. HttpClient may retry the request on a new connection, which the
        // closing listener then drops; that surfaces as a bare SocketException (seen once in CI).
        Assert.That(async () => await slow, Throws.InstanceOf<HttpRequestException>().Or.InstanceOf<System.Net.Sockets.SocketException>());
    }

    [Test]
    public async Task WhenTheMasterIsKilled_EveryWorkerExitsWithinTwoSeconds_AndThePortIsFree(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 3, ct);
        await using var _ = server;
        var workers = server.LiveWorkers();

        server.Signal(Signal.Kill);
        var killed = System.Diagnostics.Stopwatch.StartNew();
        await server.WaitForExit(ct);

        await Wait.Until(() => workers.All(w => !ProcessInfo.IsAlive(w)), TimeSpan.FromSeconds(2), "every orphaned worker to exit", ct, () => server.Output);
        var left = TimeSpan.FromSeconds(2) - killed.Elapsed;
        await Wait.Until(() => Http.CanBind(url.Port), left > TimeSpan.Zero ? left : TimeSpan.Zero, "a new server to be able to bind the port", ct, () => Listeners(url.Port));
        Assert.That(server.Output, Does.Contain("Parent changed, shutting down"));
    }

    [Test]
    public async Task AnAppThatFailsToLoad_StopsTheMaster_WithItsError_AndNoRespawn(CancellationToken ct)
    {
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "2", Paths.TestApp("testapp") + ":TestApp.BrokenApp"]);
        await using var _ = server;

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(ExitCodes.AppLoadError), server.Output);
        Assert.That(server.Output, Does.Contain("[ERROR] App failed to load: BrokenApp refuses to configure (test fixture)"));
        Assert.That(server.Output, Does.Contain("Reason: App failed to load: BrokenApp refuses to configure (test fixture)"));
        Assert.That(server.BootedWorkers, Has.Count.EqualTo(2), "no respawn:\n" + server.Output);
    }

    [TestCase("Nope", "type 'Nope' not found in testapp.dll; its apps: TestApp.BrokenApp, TestApp.CrashingApp, TestApp.EchoApp, TestApp.MainApp, TestApp.OtherApp, TestApp.ResponsePathsApp, TestApp.SignalRApp, TestApp.SlowBootApp")]
    [TestCase("TestApp.NotAnApp", "type 'TestApp.NotAnApp' in testapp.dll does not implement Gunicornet.IWebApp")]
    public async Task AnAppTypeThatCannotBeServed_IsAOneLineErrorAndANonZeroExit(string type, string error, CancellationToken ct)
    {
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", Paths.TestApp("testapp") + ":" + type]);
        await using var _ = server;

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(ExitCodes.AppLoadError), server.Output);
        Assert.That(server.Output.Split('\n'), Has.One.EndsWith("[ERROR] App failed to load: " + error), server.Output);
    }

    [Test]
    public async Task AStalePidfileOfADeadProcess_DoesNotStopAStart_AndTheNewOneIsOnlyTheOwnersToWrite(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-pid");
        File.SetUnixFileMode(temp.Path, (UnixFileMode)0x1ED);
        var pidFile = temp.File("master.pid");

        // The pid of a process that has exited (and been reaped): what a crashed master leaves behind.
        var (code, dead) = await Command.Run(ct, "sh", "-c", "echo $$");
        Assert.That(code, Is.Zero);
        File.WriteAllText(pidFile, dead);

        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--pid", pidFile);
        await using var _ = server;

        Assert.That(File.ReadAllText(pidFile), Is.EqualTo($"{server.Pid}\n"), server.Output);
        Assert.That(File.GetUnixFileMode(pidFile), Is.EqualTo((UnixFileMode)0x1A4), "rw-r--r--, as gunicorn's");
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        if (Environment.UserName == "root")
        {
            var (denied, output) = await Command.Run(ct, "setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "sh", "-c", $"echo 1 > '{pidFile}'");
            Assert.That(denied, Is.Not.Zero, "another user wrote the pidfile: " + output);
            Assert.That(File.ReadAllText(pidFile), Is.EqualTo($"{server.Pid}\n"));
        }
    }

    private static string Listeners(int port)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ss", ["-tanp"]) { RedirectStandardOutput = true };
        using var ss = System.Diagnostics.Process.Start(start)!;
        var lines = ss.StandardOutput.ReadToEnd().Split('\n').Where(l => l.Contains($":{port} ", StringComparison.Ordinal)).ToList();
        return lines.Count == 0 ? $"no socket on port {port} now" : string.Join("\n", lines);
    }
}
