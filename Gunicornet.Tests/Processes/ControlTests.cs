using System.Globalization;
using System.Text.Json.Nodes;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary><c>gunicornet ctl</c> against a running master's control socket.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class ControlTests
{
    private static readonly string App = Paths.TestApp("testapp");
    private TempDirectory _dir = null!;
    private string _socket = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _dir = new TempDirectory("gunicornet-ctl");
        _socket = _dir.File("app.ctl");
    }

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    private Task<(ServerProcess Server, Uri Url)> Start(int workers, CancellationToken ct, params string[] extra) =>
        ServerProcess.StartReady(App, workers, ct, ["--control-socket", _socket, .. extra]);

    private Task<(int Code, string Output)> Ctl(CancellationToken ct, params string[] args) =>
        Command.Run(ct, Paths.Server, ["ctl", "-s", _socket, .. args]);

    private async Task<JsonObject> CtlJson(CancellationToken ct, params string[] args)
    {
        var (code, output) = await Ctl(ct, ["--json", .. args]);
        Assert.That(code, Is.EqualTo(0), output);
        return JsonNode.Parse(output)!.AsObject();
    }

    [Test]
    public async Task ShowWorkers_ListsEachWorker_WithItsRequests(CancellationToken ct)
    {
        var (server, url) = await Start(workers: 2, ct);
        await using var _ = server;
        for (var i = 0; i < 5; i++)
        {
            await Http.Get(url, "/", ct);
        }

        await Wait.Until(
            () => CtlJson(ct, "show", "workers").GetAwaiter().GetResult()["workers"]!.AsArray().Sum(w => w!["requests"]!.GetValue<long>()) >= 5,
            TimeSpan.FromSeconds(10),
            "the 5 requests counted (heartbeats come every second)",
            ct);
        var workers = (await CtlJson(ct, "show", "workers"))["workers"]!.AsArray();
        Assert.That(workers.Select(w => w!["pid"]!.GetValue<int>()), Is.EquivalentTo(server.LiveWorkers()));
        Assert.That(workers.Select(w => w!["state"]!.GetValue<string>()), Is.All.EqualTo("ready"));
        Assert.That(workers.Select(w => w!["generation"]!.GetValue<int>()), Is.All.EqualTo(1));
        Assert.That(workers.Select(w => w!["rss_kb"]!.GetValue<long>()), Is.All.GreaterThan(1024));

        var (code, table) = await Ctl(ct);
        Assert.That(code, Is.EqualTo(0), table);
        var lines = table.Split('\n');
        Assert.That(lines[0], Does.StartWith("PID").And.Contain("GEN").And.Contain("REQUESTS").And.Contain("IN_FLIGHT").And.Contain("RSS_MB"));
        Assert.That(lines[1..^1].Select(l => int.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)), Is.EquivalentTo(server.LiveWorkers()));
        Assert.That(lines[^1], Is.EqualTo("Total: 2 workers"));
    }

    [Test]
    public async Task TheSocket_IsTheMastersUsersAlone_ByDefault(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using (server)
        {
            Assert.That(File.GetUnixFileMode(_socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }

        Assert.That(File.Exists(_socket), Is.False, "removed when the master exits");
        var (other, _) = await Start(workers: 1, ct, "--control-socket-mode", "660");
        await using (other)
        {
            Assert.That(File.GetUnixFileMode(_socket), Is.EqualTo((UnixFileMode)0x1B0));
        }
    }

    [Test]
    public async Task AnotherUser_CannotUseIt(CancellationToken ct)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "running ctl as another user needs root");
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0x1ED);
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        var (code, output) = await Command.Run(ct, "setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", Paths.Server, "ctl", "-s", _socket, "shutdown");

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("permission denied"));
        Assert.That(server.HasExited, Is.False);
    }

    [Test]
    public async Task WorkerAddAndRemove_ChangeThePool(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        var added = await CtlJson(ct, "worker", "add", "2");
        Assert.That((added["added"]!.GetValue<int>(), added["previous"]!.GetValue<int>(), added["total"]!.GetValue<int>()), Is.EqualTo((2, 1, 3)));
        await server.WaitForReady(3, ct);
        await Wait.Until(() => server.LiveWorkers().Count == 3, TimeSpan.FromSeconds(20), "3 workers", ct);

        var removed = await CtlJson(ct, "worker", "remove");
        Assert.That(removed["total"]!.GetValue<int>(), Is.EqualTo(2));
        await Wait.Until(() => server.LiveWorkers().Count == 2, TimeSpan.FromSeconds(20), "2 workers", ct);
    }

    [Test]
    public async Task WorkerKill_ReplacesThatWorker_AndOnlyOurs(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;
        var worker = server.LiveWorkers().Single();

        Assert.That((await CtlJson(ct, "worker", "kill", worker.ToString(CultureInfo.InvariantCulture)))["killed"]!.GetValue<int>(), Is.EqualTo(worker));
        await Wait.Until(() => server.LiveWorkers() is [var other] && other != worker, TimeSpan.FromSeconds(20), "a replacement", ct);

        var (code, output) = await Ctl(ct, "worker", "kill", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Is.EqualTo($"gunicornet ctl: error: {Environment.ProcessId} is not a worker of this master"));
    }

    [Test]
    public async Task Reload_StartsANewGeneration(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        var (code, output) = await Ctl(ct, "reload");

        Assert.That((code, output), Is.EqualTo((0, "ok: reload")));
        await Wait.Until(() => server.ReadyGenerations.Values.Contains(2), TimeSpan.FromSeconds(30), "a worker of generation 2", ct);
    }

    [Test]
    public async Task Shutdown_StopsTheMaster_AndRemovesTheSocket(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        Assert.That((await Ctl(ct, "shutdown")).Code, Is.EqualTo(0));

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(0));
        Assert.That(File.Exists(_socket), Is.False);
    }

    [Test]
    public async Task ShowStatsListenersAndConfig_Answer(CancellationToken ct)
    {
        var (server, url) = await Start(workers: 1, ct, "--timeout", "17");
        await using var _ = server;

        var stats = await CtlJson(ct, "show", "stats");
        Assert.That(stats["master_pid"]!.GetValue<int>(), Is.EqualTo(server.Pid));
        Assert.That(stats["workers"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That((await Ctl(ct, "show", "listeners")).Output, Is.EqualTo($"http://127.0.0.1:{url.Port}"));
        Assert.That((await Ctl(ct, "show", "config")).Output.Split('\n'), Does.Contain("timeout = 17"));
    }

    [Test]
    public async Task ShowStats_KeepsTheRequestTotalAcrossAReload_AndSaysHowTheReloadEnded(CancellationToken ct)
    {
        var (server, url) = await Start(workers: 2, ct);
        await using var _ = server;
        for (var i = 0; i < 6; i++)
        {
            await Http.Get(url, "/", ct);
        }

        await Wait.Until(() => Stats(ct)["requests"]!.GetValue<long>() == 6, TimeSpan.FromSeconds(10), "the 6 requests counted (heartbeats come every second)", ct);
        Assert.That(Stats(ct)["last_reload"], Is.Null, "no reload yet");

        Assert.That((await Ctl(ct, "reload")).Code, Is.Zero);
        await Wait.Until(() => Stats(ct)["last_reload"]?["state"]?.GetValue<string>() == "complete", TimeSpan.FromSeconds(30), "the reload to complete", ct, () => server.Output);
        await Wait.Until(() => server.LiveWorkers().Count == 2 && Stats(ct)["workers"]!.GetValue<int>() == 2, TimeSpan.FromSeconds(30), "the old workers to leave", ct, () => server.Output);
        await Http.Get(url, "/", ct);

        await Wait.Until(() => Stats(ct)["requests"]!.GetValue<long>() == 7, TimeSpan.FromSeconds(10), "7 requests in all, the old generation's included", ct, () => Stats(ct).ToJsonString());
        var reload = Stats(ct)["last_reload"]!;
        Assert.That((reload["number"]!.GetValue<int>(), reload["generation"]!.GetValue<int>(), reload["reason"]), Is.EqualTo((1, 2, (JsonNode?)null)));
        Assert.That((await Ctl(ct, "show", "stats")).Output.Split('\n'), Does.Contain("last_reload.state: complete"));
    }

    [Test]
    public async Task Reopen_Help_AndShutdownQuick_DoWhatTheySay(CancellationToken ct)
    {
        var log = _dir.File("error.log");
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", "--error-logfile", log, "--control-socket", _socket, App]);
        await using var _ = server;
        await Wait.Until(() => File.Exists(log) && File.ReadAllText(log).Contains("ready after", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "a ready worker", ct, () => File.Exists(log) ? File.ReadAllText(log) : "");

        var help = await CtlJson(ct, "help");
        Assert.That(help["commands"]!.AsArray().Select(c => c!.GetValue<string>()), Does.Contain("reopen").And.Contain("shutdown [graceful|quick]").And.Contain("show stats"));

        File.Move(log, log + ".1");
        Assert.That((await Ctl(ct, "reopen")).Code, Is.Zero);
        await Wait.Until(() => File.Exists(log) && File.ReadAllText(log).Contains($"[{server.Pid}] [INFO] Reopened log file", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the master to reopen its log", ct);

        Assert.That((await Ctl(ct, "shutdown", "quick")).Code, Is.Zero);
        Assert.That(await server.WaitForExit(ct), Is.Zero);
        Assert.That(File.ReadAllText(log), Does.Contain("Control command: shutdown quick"));
    }

    [Test]
    public async Task NoControlSocket_MakesNone(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct, "--no-control-socket");
        await using var __ = server;

        Assert.That(File.Exists(_socket), Is.False);
        var (code, output) = await Ctl(ct, "show", "stats");
        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("no such socket"));
    }

    private JsonObject Stats(CancellationToken ct) => CtlJson(ct, "show", "stats").GetAwaiter().GetResult();

    [Test]
    public async Task AStaleSocketFile_IsReplaced(CancellationToken ct)
    {
        // A socket file nobody listens on, as a master killed with SIGKILL leaves.
        // (.NET would unlink its own on close; Python's stays.)
        var (bound, why) = await Command.Run(ct, "python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", _socket);
        Assert.That(bound, Is.EqualTo(0), why);

        Assert.That(File.Exists(_socket), Is.True);
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        await Wait.Until(() => Ctl(ct, "show", "stats").GetAwaiter().GetResult().Code == 0, TimeSpan.FromSeconds(10), "ctl answers", ct);
    }

    [Test]
    public async Task AnUnknownCommand_IsAUsageError_ThatListsTheCommands(CancellationToken ct)
    {
        var (server, _) = await Start(workers: 1, ct);
        await using var _ = server;

        var (code, output) = await Ctl(ct, "show", "everything");

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.StartWith("gunicornet ctl: error: unknown command 'show everything'; commands: show workers,"));
    }

    [Test]
    public async Task NoServer_IsAOneLineError(CancellationToken ct)
    {
        var (code, output) = await Ctl(ct, "show", "workers");

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Is.EqualTo($"gunicornet ctl: error: can't talk to {_socket}: no such socket (is the server running there? see its --control-socket)"));
    }
}
