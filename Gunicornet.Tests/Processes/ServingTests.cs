using System.Net.Sockets;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>A real master and its workers serve apps of both kinds on the sockets it binds.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class ServingTests
{
    [Test]
    public async Task EveryWorkerIsAChildOfTheMaster_AndAnswersRequests(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 3, ct);
        await using var _ = server;

        var workers = server.LiveWorkers();
        Assert.That(workers, Has.Count.EqualTo(3), server.Output);
        Assert.That(workers.Select(ProcessInfo.ParentOf), Is.All.EqualTo(server.Pid));

        // Each request on a new connection: keep asking until every worker has answered.
        var answered = new HashSet<int>();
        for (var i = 0; i < 300 && answered.Count < workers.Count; i++)
        {
            var (status, body) = await Http.Get(url, "/pid", ct);
            Assert.That(status, Is.EqualTo(200));
            answered.Add(int.Parse(body, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.That(answered, Is.EquivalentTo(workers), $"answered by {string.Join(",", answered)}\n{server.Output}");
        var (_, hello) = await Http.Get(url, "/", ct);
        Assert.That(hello, Does.StartWith("Hello from Gunicornet worker "));
    }

    [Test]
    public async Task AnUnmodifiedApp_ServesOnTheMastersSocket_AndNotOnItsOwnEndpoints(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("gunicornet-plain").FullName;
        try
        {
            var ownSocket = Path.Combine(dir, "own.sock");
            var ownUrlSocket = Path.Combine(dir, "own-url.sock");
            var server = ServerProcess.Start(
                ["--bind", "127.0.0.1:0", "-w", "2", "--log-level", "debug", Paths.TestApp("plainapp")],
                new Dictionary<string, string?> { ["OWN_SOCKET"] = ownSocket, ["OWN_URL"] = $"http://unix:{ownUrlSocket}" });
            await using var _ = server;
            var url = await server.WaitForListening(ct);
            await server.WaitForReady(2, ct);

            Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "plain")));
            Assert.That(File.Exists(ownSocket), Is.False, "the endpoint the app configured in code was not bound");
            Assert.That(File.Exists(ownUrlSocket), Is.False, "the URL the app asked for was not bound");
            Assert.That(server.Output, Does.Contain("Ignoring the app's own endpoints"));
            Assert.That(server.Output, Does.Contain($"Ignoring the app's own addresses (http://unix:{ownUrlSocket}); serving on the master's sockets"));
            Assert.That(server.Output, Does.Not.Contain("Overriding address"), "Kestrel's own line, which does not say where it serves");

            // Its own NuGet dependency loads; its content root and name are its own.
            Assert.That((await Http.Get(url, "/json", ct)).Body, Is.EqualTo("{\"library\":\"Newtonsoft.Json\"}"));
            Assert.That((await Http.Get(url, "/contentroot", ct)).Body, Is.EqualTo(Path.GetDirectoryName(Paths.TestApp("plainapp"))));
            Assert.That((await Http.Get(url, "/name", ct)).Body, Is.EqualTo("plainapp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task AnUnmodifiedApp_SeesItsOwnProgram_NotTheServers(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("plainapp"), workers: 1, ct);
        await using var _ = server;
        var appDir = Path.GetDirectoryName(Paths.TestApp("plainapp"))!;

        var seen = (await Http.Get(url, "/identity", ct)).Body.Split('\n').Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        // The base directory is the folder the app was deployed to (its code runs from a copy).
        Assert.That(seen["base"], Is.EqualTo(appDir + "/"));
        Assert.That(seen["entry"], Is.EqualTo("plainapp"));
        Assert.That(seen["domain"], Is.EqualTo("plainapp"));
        Assert.That(seen["name"], Is.EqualTo("plainapp"));
        Assert.That(seen["contentroot"], Is.EqualTo(appDir));
        Assert.That(seen["webroot"], Is.Empty, "it has no wwwroot/, and ASP.NET Core says so with an empty web root");
        Assert.That(seen["cwd"], Is.EqualTo(appDir));
    }

    [Test]
    public async Task AnApp_GetsTheGlobalizationItsRuntimeConfigAsksFor(CancellationToken ct)
    {
        var (cultures, culturesUrl) = await ServerProcess.StartReady(Paths.TestApp("sharedstateapp"), workers: 1, ct);
        await using var _ = cultures;
        var (invariant, invariantUrl) = await ServerProcess.StartReady(Paths.TestApp("plainapp"), workers: 1, ct);
        await using var __ = invariant;

        Assert.That((await Http.Get(culturesUrl, "/culture?name=fr-FR", ct)).Body, Is.EqualTo("janvier"), "an app built with ICU's cultures");
        Assert.That((await Http.Get(invariantUrl, "/culture?name=fr-FR", ct)).Body, Is.EqualTo("invariant"), "an app built with InvariantGlobalization");
    }

    [Test]
    public async Task AnIWebApp_LoadsItsDependencies_AndItsContentRootIsItsFolder(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct);
        await using var _ = server;

        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")), "the [DefaultWebApp] type");
        Assert.That((await Http.Get(url, "/json", ct)).Body, Is.EqualTo("{\"library\":\"Newtonsoft.Json\"}"));
        Assert.That((await Http.Get(url, "/contentroot", ct)).Body, Is.EqualTo(Path.GetDirectoryName(Paths.TestApp("testapp"))));
        Assert.That((await Http.Get(url, "/greeting", ct)).Body, Is.EqualTo("hello from the content root"));
        Assert.That((await Http.Get(url, "/static.txt", ct)).Body, Is.EqualTo("static file\n"), "wwwroot/ is served");
        Assert.That((await Http.Get(url, "/name", ct)).Body, Is.EqualTo("testapp"));
    }

    [Test]
    public async Task ANamedType_IsServed(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp") + ":TestApp.OtherApp", workers: 1, ct);
        await using var _ = server;

        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "other")));
    }

    [Test]
    public async Task Chdir_SetsTheContentRoot_AndRelativePaths(CancellationToken ct)
    {
        var appDir = Path.GetDirectoryName(Paths.TestApp("testapp"))!;
        var dir = Directory.CreateTempSubdirectory("gunicornet-chdir").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "greeting.txt"), "hello from chdir\n");
            var relativeApp = Path.GetRelativePath(dir, Paths.TestApp("testapp"));
            var (server, url) = await ServerProcess.StartReady(relativeApp, workers: 1, ct, "--chdir", dir, "--pid", "master.pid");
            await using var _ = server;

            Assert.That((await Http.Get(url, "/contentroot", ct)).Body, Is.EqualTo(dir));
            Assert.That((await Http.Get(url, "/greeting", ct)).Body, Is.EqualTo("hello from chdir"));
            Assert.That(File.ReadAllText(Path.Combine(dir, "master.pid")).Trim(), Is.EqualTo(server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(appDir, Is.Not.EqualTo(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task ASocketTheTestBound_IsAdoptedWithFdN(CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        socket.Listen(16);
        var port = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        FileDescriptors.SetCloseOnExec(fd, closeOnExec: false);
        ServerProcess server;
        try
        {
            server = ServerProcess.Start(["--bind", $"fd://{fd}", "--log-level", "debug", Paths.Sample("hello")]);
        }
        finally
        {
            FileDescriptors.SetCloseOnExec(fd, closeOnExec: true);
        }

        await using var _ = server;
        var url = await server.WaitForListening(ct);
        await server.WaitForReady(1, ct);
        socket.Close();

        Assert.That(url.Port, Is.EqualTo(port));
        Assert.That((await Http.Get(new Uri($"http://127.0.0.1:{port}"), "/", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task SeveralBinds_TcpAndUnix_AllServe(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("gunicornet-unix").FullName;
        try
        {
            var unix = Path.Combine(dir, "app.sock");
            var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-b", $"unix:{unix}", "--log-level", "debug", Paths.Sample("hello")]);
            await using var _ = server;
            var url = await server.WaitForListening(ct);
            await server.WaitForReady(1, ct);

            Assert.That(server.Output, Does.Contain($"Listening at: unix:{unix} ({server.Pid})"));
            Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
            Assert.That((await Http.GetUnix(unix, "/", ct)).Body, Does.StartWith("Hello from Gunicornet worker"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
