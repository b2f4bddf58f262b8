using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>scripts/reload-gunicornet: HUP, then proof that the master stayed and every worker was replaced.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class ReloadScriptTests
{
    private static readonly string Script = Path.Combine(Paths.Root, "scripts", "reload-gunicornet");

    [Test]
    public async Task AGoodReload_KeepsTheMaster_AndReplacesEveryWorker(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-reload-script");
        var pidFile = temp.File("master.pid");
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 3, ct, "--pid", pidFile);
        await using var _ = server;
        var before = server.LiveWorkers();

        var (code, output) = await Command.Run(ct, Script, "--pidfile", pidFile);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.StartWith($"reloaded: master {server.Pid} kept; workers {string.Join(' ', before.Order())} -> "));
        Assert.That(server.HasExited, Is.False);
        Assert.That(server.LiveWorkers().Intersect(before), Is.Empty);
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task AReloadOfCodeThatCannotBoot_IsReportedAsAFailure_WhileTheOldWorkersServe(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-reload-script");
        var pidFile = temp.File("master.pid");
        var app = temp.File("app.dll");
        File.Copy(Paths.Sample("hello"), app);
        var (server, url) = await ServerProcess.StartReady(app, workers: 2, ct, "--pid", pidFile);
        await using var _ = server;
        var before = server.LiveWorkers();
        File.WriteAllText(app, "not an assembly");

        var (code, output) = await Command.Run(ct, Script, "--pidfile", pidFile, "--timeout", "5");

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("workers not replaced within 5s"));
        Assert.That(server.LiveWorkers(), Is.EquivalentTo(before));
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200), "the old generation still serves");
    }

    [Test]
    public async Task WithTheControlSocket_ARolledBackReload_IsReportedAtOnce_WithTheReason(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-reload-script");
        var pidFile = temp.File("master.pid");
        var socket = temp.File("ctl");
        var app = temp.File("app.dll");
        File.Copy(Paths.Sample("hello"), app);
        var (server, url) = await ServerProcess.StartReady(app, workers: 2, ct, "--pid", pidFile, "--control-socket", socket);
        await using var _ = server;
        File.WriteAllText(app, "not an assembly");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, output) = await Command.Run(ct, Script, "--pidfile", pidFile, "--socket", socket, "--timeout", "60");

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.StartWith("reload-gunicornet: reload rolled back: generation 2 cannot boot (worker ").And.Contain("app.dll is not a .NET assembly").And.EndWith("generation 1 keeps serving"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "reported when the master rolled back, not at the timeout");
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200), "the old generation still serves");
        Assert.That(server.Output, Does.Not.Contain("was sent signal"), "the failed generation's workers were stopped on purpose: no error for them");
    }

    [Test]
    public async Task WithTheControlSocket_AGoodReload_NamesTheNewGeneration(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-reload-script");
        var pidFile = temp.File("master.pid");
        var (server, _) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct, "--pid", pidFile, "--control-socket", temp.File("ctl"));
        await using var __ = server;

        var (code, output) = await Command.Run(ct, Script, "--pidfile", pidFile, "--socket", temp.File("ctl"));

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.StartWith($"reloaded: master {server.Pid} kept; generation 2 serving; workers "));
        Assert.That(server.LiveWorkers().Intersect(server.ReadyWorkers.Take(2)), Is.Empty);
    }

    [Test]
    public async Task Help_IsPrintedOnStdout_AndExitsZero(CancellationToken ct)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Script, "--help") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync(ct);
        var stderr = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.That(process.ExitCode, Is.Zero);
        Assert.That(stderr, Is.Empty);
        Assert.That(stdout, Does.StartWith("usage: reload-gunicornet (--pidfile FILE | --unit NAME)"));
    }

    [Test]
    public async Task NoMaster_IsAnError(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-reload-script");
        var pidFile = temp.File("master.pid");
        File.WriteAllText(pidFile, "999999999\n");

        Assert.That(await Command.Run(ct, Script, "--pidfile", pidFile), Is.EqualTo((1, "reload-gunicornet: no running master (pid '999999999')")));
        Assert.That(await Command.Run(ct, Script, "--pidfile", temp.File("missing.pid")), Is.EqualTo((1, $"reload-gunicornet: no pidfile at {temp.File("missing.pid")}")));
        Assert.That((await Command.Run(ct, Script)).Code, Is.EqualTo(2));
    }
}
