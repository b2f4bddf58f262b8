using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>HUP: a new generation, the old one retired only as the new one is ready, and no outage on bad code or config.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class ReloadTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("gunicornet-reload");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task TenHupsUnderKeepAliveLoad_NotOneRequestFails_AndNWorkersOfTheLastGenerationRemain(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct);
        await using var _ = server;
        var load = KeepAliveLoad.Start(url.Port, connections: 8);
        await Wait.Until(() => load.Succeeded > 200, TimeSpan.FromSeconds(20), "the load to run", ct, load.ToString);

        for (var generation = 2; generation <= 11; generation++)
        {
            server.Signal(Signal.Hup);
            await server.WaitForReload(generation, ct);
        }

        var during = load.Succeeded;
        await load.StopAsync();

        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(during, Is.GreaterThan(200), load.ToString());
        Assert.That(load.Reconnects, Is.GreaterThan(0), "draining workers closed keep-alive connections after a response");
        await Wait.Until(() => server.LiveWorkers().Count == 2, TimeSpan.FromSeconds(30), "the old generation to leave", ct, () => server.Output);
        var generations = server.ReadyGenerations;
        Assert.That(server.LiveWorkers().Select(p => generations[p]), Is.All.EqualTo(11), server.Output);
        Assert.That(server.BootedWorkers, Has.Count.EqualTo(22));
    }

    [Test]
    public async Task AReloadWhoseCodeCannotBoot_IsRolledBack_AndTheRunningGenerationKeepsServing(CancellationToken ct)
    {
        var app = Deploy();
        var (server, url) = await ServerProcess.StartReady(app, workers: 2, ct);
        await using var _ = server;
        var before = server.LiveWorkers();
        var load = KeepAliveLoad.Start(url.Port, connections: 4);

        // A deploy gone wrong, written in place over the running code.
        OverwriteInPlace(app, "this is not an assembly"u8.ToArray());
        server.Signal(Signal.Hup);

        await server.WaitForLine(new Regex("Reload failed: generation 2 cannot boot .* generation 1 keeps serving"), ct);
        await load.StopAsync();
        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(load.Succeeded, Is.GreaterThan(0));
        // The failed generation's other workers were told to stop at the rollback; they leave, the old ones stay.
        await Wait.Until(() => server.LiveWorkers().Count == 2, TimeSpan.FromSeconds(15), "the failed generation to leave", ct, () => server.Output);
        Assert.That(server.LiveWorkers(), Is.EquivalentTo(before), "the old workers were never retired");
        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")));
        Assert.That(server.HasExited, Is.False);
    }

    [Test]
    public async Task AnInPlaceOverwrite_NeverReachesTheRunningGeneration_AndHupServesTheNewCode(CancellationToken ct)
    {
        var app = Deploy();
        var (server, url) = await ServerProcess.StartReady(app, workers: 2, ct);
        await using var _ = server;
        var load = KeepAliveLoad.Start(url.Port, connections: 4);
        await Wait.Until(() => load.Succeeded > 50, TimeSpan.FromSeconds(20), "the load to run", ct, load.ToString);

        // The running workers load their code from a snapshot, not from the deploy folder.
        foreach (var worker in server.LiveWorkers())
        {
            Assert.That(File.ReadAllText($"/proc/{worker}/maps"), Does.Not.Contain(app), $"worker {worker} maps the deploy folder's assembly");
        }

        // `cp` over a running app: same inode, new bytes (another app entirely).
        OverwriteInPlace(app, File.ReadAllBytes(Paths.Sample("hello")));
        for (var i = 0; i < 20; i++)
        {
            Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")), "the running generation still runs the old code");
        }

        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);
        await load.StopAsync();

        Assert.That(load.Failed, Is.Zero, load.ToString());
        await Wait.Until(() => server.LiveWorkers().Count == 2, TimeSpan.FromSeconds(30), "the old generation to leave", ct, () => server.Output);
        Assert.That((await Http.Get(url, "/", ct)).Body, Does.StartWith("Hello from Gunicornet worker"), "the new generation runs the new code");
    }

    [Test]
    public async Task ABadConfigFileOnHup_IsRefused_AndAGoodOneIsApplied(CancellationToken ct)
    {
        var config = _temp.File("gunicornet.json");
        File.WriteAllText(config, """{ "workers": 1 }""");
        // No --workers on the command line: it would win over the file.
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", "-c", config, Paths.Sample("hello")]);
        await using var _ = server;
        var url = await server.WaitForListening(ct);
        await server.WaitForReady(1, ct);
        var before = server.LiveWorkers();

        File.WriteAllText(config, """{ "workers": "many" }""");
        server.Signal(Signal.Hup);
        await server.WaitForLine(new Regex("Reload refused, keeping the running configuration: config file .*: workers: 'many' is not a whole number"), ct);
        File.WriteAllText(config, """{ "workers": 2, """);
        server.Signal(Signal.Hup);
        await server.WaitForLine(new Regex(@"Reload refused, keeping the running configuration: config file '.*' is not valid JSON"), ct);

        Assert.That(server.LiveWorkers(), Is.EquivalentTo(before));
        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));

        File.WriteAllText(config, """{ "workers": 2 }""");
        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);
        await Wait.Until(() => server.LiveWorkers().Count == 2 && !server.LiveWorkers().Intersect(before).Any(), TimeSpan.FromSeconds(30), "two new workers", ct, () => server.Output);
    }

    [Test]
    public async Task APyConfig_IsRunWithPythonAgainOnHup(CancellationToken ct)
    {
        // A config as gunicorn's users write them: computed, reading a file beside it.
        var config = _temp.File("gunicorn.conf.py");
        File.WriteAllText(config, """
            import os
            workers = int(open("workers.txt").read()) * 1
            bind = "unix:" + os.path.join(os.getcwd(), "app.sock")
            def when_ready(server):
                pass
            """);
        File.WriteAllText(_temp.File("workers.txt"), "1");
        var server = ServerProcess.Start(["--log-level", "debug", "-c", config, Paths.Sample("hello")]);
        await using var _ = server;
        await server.WaitForReady(1, ct);
        Assert.That((await Http.GetUnix(_temp.File("app.sock"), "/", ct)).Status, Is.EqualTo(200));
        Assert.That(server.Output, Does.Contain("line 4: when_ready has no effect here: server hooks"));

        File.WriteAllText(_temp.File("workers.txt"), "2");
        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);

        await Wait.Until(() => server.ShowWorkers().Count(w => w.Generation == 2 && w.State == "ready") == 2, TimeSpan.FromSeconds(30), "two ready workers of generation 2", ct, () => server.Output);
    }

    [Test]
    public async Task ABindChangedOnHup_BindsTheNewAddresses_KeepsTheUnchanged_AndClosesTheDroppedOnce(CancellationToken ct)
    {
        var config = _temp.File("gunicornet.json");
        string Socket(string name) => _temp.File(name + ".sock");
        void Bind(params string[] names) => File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new { bind = names.Select(n => "unix:" + Socket(n)) }));
        Bind("a", "b");
        var server = ServerProcess.Start(["--log-level", "debug", "-c", config, Paths.Sample("hello")]);
        await using var _ = server;
        await server.WaitForReady(1, ct);
        var kept = new FileInfo(Socket("b")).CreationTimeUtc;

        Bind("b", "c");
        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);
        await server.WaitForLine(new Regex(Regex.Escape($"Stopped listening at: unix:{Socket("a")} (no generation serves it any more)")), ct);

        Assert.That(server.Output, Does.Contain($"Listening at: unix:{Socket("c")}"), "the new address bound");
        Assert.That((await Http.GetUnix(Socket("c"), "/", ct)).Status, Is.EqualTo(200));
        Assert.That((await Http.GetUnix(Socket("b"), "/", ct)).Status, Is.EqualTo(200));
        Assert.That(new FileInfo(Socket("b")).CreationTimeUtc, Is.EqualTo(kept), "the unchanged address kept its socket");
        Assert.That(File.Exists(Socket("a")), Is.False, "the dropped address closed, its file removed");
        Assert.That(Regex.Matches(server.Output, "Listening at: unix:" + Regex.Escape(Socket("b"))).Count, Is.EqualTo(1));
    }

    [Test]
    public async Task ABindThatCannotBeBoundOnHup_IsRefused_AndTheRunningGenerationKeepsServing(CancellationToken ct)
    {
        var config = _temp.File("gunicornet.json");
        File.WriteAllText(config, $$"""{ "bind": ["unix:{{_temp.File("a.sock")}}"] }""");
        var server = ServerProcess.Start(["--log-level", "debug", "-c", config, Paths.Sample("hello")]);
        await using var _ = server;
        await server.WaitForReady(1, ct);
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        taken.Listen(1);

        File.WriteAllText(config, $$"""{ "bind": ["unix:{{_temp.File("a.sock")}}", "{{taken.LocalEndPoint}}"] }""");
        server.Signal(Signal.Hup);

        await server.WaitForLine(new Regex(Regex.Escape($"Reload refused, keeping the running configuration: Connection in use: {taken.LocalEndPoint}")), ct);
        Assert.That((await Http.GetUnix(_temp.File("a.sock"), "/", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task UnderNohup_HupStillReloads(CancellationToken ct)
    {
        // nohup starts the master with SIGHUP ignored; the master must restore it to receive it.
        var server = ServerProcess.Start(
            [Paths.Server, "-b", "127.0.0.1:0", "--log-level", "debug", Paths.Sample("hello")],
            fileName: "/usr/bin/nohup");
        await using var _ = server;
        await server.WaitForReady(1, ct);

        server.Signal(Signal.Hup);

        await server.WaitForReload(2, ct);
        Assert.That(server.HasExited, Is.False);
    }

    [Test]
    public async Task AReleaseRenamedIntoTheStartDirectory_IsWhatHupLoads_ThoughTheOldFolderIsGone(CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(Deploy())!;
        var (server, url) = await StartIn(folder, ct);
        await using var _ = server;
        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")));

        // The deploy: the new release is renamed into the path and the old folder (the master's working
        // directory) removed.
        Directory.Move(folder, folder + ".old");
        var next = Deploy("app.new");
        File.WriteAllBytes(next, File.ReadAllBytes(Paths.Sample("hello")));
        Directory.Move(Path.GetDirectoryName(next)!, folder);
        Directory.Delete(folder + ".old", recursive: true);

        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);
        await Wait.Until(() => server.LiveWorkers().Count == 1, TimeSpan.FromSeconds(30), "the old generation to leave", ct, () => server.Output);
        Assert.That((await Http.Get(url, "/", ct)).Body, Does.StartWith("Hello from Gunicornet worker"), "the new generation runs the release now in the folder");
    }

    [Test]
    public async Task AStartDirectoryThatIsGone_RefusesTheHup_SayingWhere_AndTheRunningGenerationServes(CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(Deploy())!;
        var (server, url) = await StartIn(folder, ct);
        await using var _ = server;

        Directory.Move(folder, _temp.File("elsewhere"));
        server.Signal(Signal.Hup);

        await server.WaitForLine(new Regex(Regex.Escape($"Reload refused, keeping the running configuration: the directory gunicornet started in, {folder}, cannot be entered")), ct);
        var reload = server.Ask("show stats")!["last_reload"]!;
        Assert.That((string?)reload["state"], Is.EqualTo("refused"));
        Assert.That((string?)reload["reason"], Does.Contain(folder));
        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")));
        Assert.That(server.HasExited, Is.False);
    }

    /// <summary>A copy of the test app in a folder of its own, as a deploy target.</summary>
    private string Deploy(string name = "app") =>
        Path.Combine(_temp.CopyTree(Path.GetDirectoryName(Paths.TestApp("testapp"))!, name), "testapp.dll");

    /// <summary>Starts the test app in its folder with a relative APP, as a unit with WorkingDirectory= runs it.</summary>
    private static async Task<(ServerProcess Server, Uri Url)> StartIn(string folder, CancellationToken ct)
    {
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", "testapp.dll"], workingDirectory: folder);
        var url = await server.WaitForListening(ct);
        await server.WaitForReady(1, ct);
        return (server, url);
    }

    /// <summary>Writes new bytes into the same inode, as <c>cp</c> does.</summary>
    private static void OverwriteInPlace(string path, byte[] bytes)
    {
        var inode = new Mono.Unix.UnixFileInfo(path).Inode;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(0);
            stream.Write(bytes);
        }

        Assert.That(new Mono.Unix.UnixFileInfo(path).Inode, Is.EqualTo(inode), "overwritten in place");
    }
}
