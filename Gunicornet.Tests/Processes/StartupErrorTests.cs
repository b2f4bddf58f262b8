using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>Bad input: one line that says what and where, a non-zero exit, no worker started.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(30_000)]
public sealed class StartupErrorTests
{
    private static async Task<(int Code, string[] Stdout, string[] Stderr)> Run(CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo(Paths.Server) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (process.ExitCode, Lines(await stdout), Lines(await stderr));
    }

    [TestCase(new[] { "--frobnicate", "app.dll" }, "--frobnicate")]
    [TestCase(new[] { "-b", "127.0.0.1:http", "app.dll" }, "'http' in '127.0.0.1:http' is not a port number")]
    [TestCase(new[] { "-w", "0", "app.dll" }, "--workers: must be at least 1")]
    [TestCase(new string[0], "APP is missing")]
    public async Task UsageErrors_AreOneLine_ExitTwo(string[] args, string what, CancellationToken ct)
    {
        var (code, stdout, stderr) = await Run(ct, args);

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Has.Length.EqualTo(1), string.Join("\n", stderr));
        Assert.That(stderr[0], Does.StartWith("gunicornet: error: ").And.Contain(what));
    }

    [Test]
    public async Task AMissingAppFile_IsOneLineNamingThePath_ExitOne(CancellationToken ct)
    {
        var (code, _, stderr) = await Run(ct, "/no/such/dir/app.dll");

        Assert.That(code, Is.EqualTo(ExitCodes.Error));
        Assert.That(stderr, Is.EqualTo(new[] { "gunicornet: error: APP '/no/such/dir/app.dll' not found: no file at /no/such/dir/app.dll" }));
    }

    [Test]
    public async Task APortInUse_IsAnErrorNamingTheAddress_ExitOne(CancellationToken ct)
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var (code, _, stderr) = await Run(ct, "-b", $"127.0.0.1:{port}", Paths.Sample("hello"));

        Assert.That(code, Is.EqualTo(ExitCodes.Error));
        Assert.That(stderr, Has.One.EndsWith($"[ERROR] Connection in use: 127.0.0.1:{port}"), string.Join("\n", stderr));
        Assert.That(stderr, Has.None.Contains("Booting worker"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task APortInUse_WithAnErrorLogFile_StillReachesTheTerminal(bool daemon, CancellationToken ct)
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        using var dir = new TempDirectory("gunicornet-errlog");
        string[] args = ["-b", $"127.0.0.1:{port}", "--error-logfile", dir.File("x.err"), "--no-control-socket", Paths.Sample("hello")];

        var (code, stdout, stderr) = await Run(ct, daemon ? ["-D", .. args] : args);

        Assert.That(code, Is.EqualTo(ExitCodes.Error));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Is.EqualTo(new[] { $"gunicornet: error: Connection in use: 127.0.0.1:{port}" }));
        Assert.That(File.ReadAllText(dir.File("x.err")), Does.Contain($"[ERROR] Connection in use: 127.0.0.1:{port}"), "and in the error log");
    }

    [Test]
    public async Task AnAppThatCannotLoad_WithAnErrorLogFile_SaysSoOnTheTerminal(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-errlog");

        var (code, stdout, stderr) = await Run(ct, "-b", "127.0.0.1:0", "--error-logfile", dir.File("x.err"), "--no-control-socket", Paths.TestApp("testapp") + ":BrokenApp");

        Assert.That(code, Is.EqualTo(ExitCodes.AppLoadError));
        Assert.That(stderr, Has.Length.EqualTo(1), string.Join("\n", stderr));
        Assert.That(stderr[0], Is.EqualTo($"gunicornet: error: App failed to load: BrokenApp refuses to configure (test fixture) (the error log, {dir.File("x.err")}, has the details)"));
        Assert.That(File.ReadAllText(dir.File("x.err")), Does.Contain("BrokenApp refuses to configure (test fixture)"));
    }

    [Test]
    public async Task ASecondMasterOnTheSamePort_IsRefused_NotSharingTheFirstOnesConnections(CancellationToken ct)
    {
        var (first, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct);
        await using var _ = first;

        var (code, _, stderr) = await Run(ct, "-b", $"127.0.0.1:{url.Port}", Paths.Sample("hello"));

        Assert.That(code, Is.EqualTo(ExitCodes.Error), string.Join("\n", stderr));
        Assert.That(stderr, Has.One.EndsWith($"[ERROR] Connection in use: 127.0.0.1:{url.Port}"));
    }

    [Test]
    public async Task AFileThatIsNoUnixSocket_IsNotReplaced(CancellationToken ct)
    {
        var file = Path.GetTempFileName();
        try
        {
            var (code, _, stderr) = await Run(ct, "-b", $"unix:{file}", Paths.Sample("hello"));

            Assert.That(code, Is.EqualTo(ExitCodes.Error));
            Assert.That(stderr, Has.One.Contains($"'{file}' exists and is not a socket"));
            Assert.That(File.Exists(file), Is.True);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Version_PrintsTheVersion(CancellationToken ct)
    {
        var (code, stdout, _) = await Run(ct, "--version");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Is.EqualTo(new[] { Gunicornet.Master.MasterProcess.Version }));
    }

    [Test]
    public async Task Help_ListsTheOptionsWithTheirDefaults(CancellationToken ct)
    {
        var (code, stdout, _) = await Run(ct, "--help");
        var help = string.Join("\n", stdout);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(help, Does.Contain("-b, --bind").And.Contain("-w, --workers").And.Contain("--graceful-timeout").And.Contain("APP"));
        Assert.That(stdout, Has.One.Contains("-c, --config <FILE>").And.Contains("(e.g. {\"workers\": 3}), or a gunicorn .py config, run with python3 as gunicorn runs it (without python3, its plain name = value assignments are read)."), "whole sentences, not cut at e.g.");
        Assert.That(stdout, Has.One.Contains("--reload-extra-file <FILE>").And.EndsWith("(e.g. appsettings.json outside the app's directory); repeatable."));
        Assert.That(stdout, Has.One.Contains("--control-socket-mode <MODE>").And.EndsWith("[default: 0o600]"), "modes in octal");
        Assert.That(stdout, Has.None.Contains("--threads").And.None.Contains("--worker-class"), "gunicorn's settings with no effect are not listed");
    }

    [Test]
    public async Task AnAppThatIsADirectory_IsCalledOne(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-appdir");

        var (code, _, stderr) = await Run(ct, dir.Path);

        Assert.That(code, Is.EqualTo(ExitCodes.Error));
        Assert.That(stderr, Is.EqualTo(new[] { $"gunicornet: error: APP '{dir.Path}' is a directory: name the app's assembly in it, e.g. {Path.Combine(dir.Path, "MyApp.dll")}" }));
    }

    [Test]
    public async Task GunicornSettingsWithNoEffect_StartTheServer_WithAWarningEachInTheLog(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "-k", "gevent", "--threads", "8", "--preload");
        await using var _ = server;

        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        Assert.That(server.Output, Does.Contain("[WARNING] -k has no effect here: every worker is Kestrel on the .NET thread pool"));
        Assert.That(server.Output, Does.Contain("[WARNING] --threads has no effect here: "));
        Assert.That(server.Output, Does.Contain("[WARNING] --preload has no effect here: workers are spawned, not forked"));
    }

    [Test]
    public async Task WithoutDashC_TheGunicornConfFileWhereItStarts_IsRead(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-defaultconf");
        File.WriteAllText(dir.File("gunicorn.conf.py"), "workers = 3\nworker_class = 'sync'\n");

        var (code, output) = await Command.RunIn(dir.Path, ct, Paths.Server, "--print-config", "app.dll");

        Assert.That(code, Is.Zero, output);
        Assert.That(output.Split('\n'), Does.Contain("workers = 3"));
        Assert.That(output, Does.Contain($"gunicornet: warning: config file '{dir.File("gunicorn.conf.py")}' line 2: worker_class has no effect here"));
    }

    [Test]
    public async Task TheWorkerVerb_RefusesToRunWithoutAMaster(CancellationToken ct)
    {
        var (code, _, stderr) = await Run(ct, "worker");

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Has.Length.EqualTo(1).And.One.Contains("'worker' is internal"));
    }
}
