using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>gunicorn's settings that reach the workers: limits, environment, proxy trust, identity, names, output.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SettingsTests
{
    private static readonly string App = Paths.TestApp("testapp");

    [Test]
    public async Task LimitRequestLine_ALineOfTheLimitPasses_OneByteMoreIs414(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--limit-request-line", "100");
        await using var _ = server;

        // "GET /... HTTP/1.1" without its CRLF, as gunicorn counts.
        string Line(int length) => "GET /" + new string('a', length - "GET / HTTP/1.1".Length) + " HTTP/1.1";

        Assert.That(await Raw(url.Port, Line(100) + "\r\nHost: x\r\nConnection: close\r\n\r\n", ct), Is.EqualTo(404));
        Assert.That(await Raw(url.Port, Line(101) + "\r\nHost: x\r\nConnection: close\r\n\r\n", ct), Is.EqualTo(414));
    }

    [Test]
    public async Task LimitRequestFields_TheLimitPasses_OneMoreIs431(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--limit-request-fields", "5");
        await using var _ = server;

        string Request(int fields) =>
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + string.Concat(Enumerable.Range(0, fields - 2).Select(i => $"X-H{i}: v\r\n")) + "\r\n";

        Assert.That(await Raw(url.Port, Request(5), ct), Is.EqualTo(200));
        Assert.That(await Raw(url.Port, Request(6), ct), Is.EqualTo(431));
    }

    [Test]
    public async Task LimitRequestFieldSize_AFieldOfTheLimitPasses_OneByteMoreIs431(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--limit-request-field_size", "50");
        await using var _ = server;

        // "X-Big: " is 7 bytes of the field.
        string Request(int field) => $"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {new string('v', field - 7)}\r\n\r\n";

        Assert.That(await Raw(url.Port, Request(50), ct), Is.EqualTo(200));
        Assert.That(await Raw(url.Port, Request(51), ct), Is.EqualTo(431));
    }

    [Test]
    public async Task WorkerConnections_AConnectionBeyondTheLimitIsClosed_ThenOneFitsAgain(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--worker-connections", "2", "--keep-alive", "30");
        await using var _ = server;
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var socket = await Connect(url.Port, ct);
                open.Add(socket);
                Assert.That((await KeepAliveGet(socket, ct)).Status, Is.EqualTo(200), $"connection {i + 1} of the limit");
            }

            using (var third = await Connect(url.Port, ct))
            {
                Assert.That(await Raw(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ct), Is.EqualTo(0), "closed without an answer");
            }

            open[0].Dispose();
            open.RemoveAt(0);
            var status = 0;
            await Wait.Until(
                () =>
                {
                    status = Raw(url.Port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ct).GetAwaiter().GetResult();
                    return status == 200;
                },
                TimeSpan.FromSeconds(10),
                "a connection fits once one has closed",
                ct);
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    [Test]
    public async Task Env_SetsTheAppsVariables(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "-e", "GREETING=hello world", "--env", "EMPTY=");
        await using var _ = server;

        Assert.That((await Http.Get(url, "/env?name=GREETING", ct)).Body, Is.EqualTo("hello world"));
        Assert.That((await Http.Get(url, "/env?name=EMPTY", ct)).Body, Is.EqualTo("(unset)").Or.Empty);
        Assert.That((await Http.Get(url, "/env?name=NOT_SET_BY_ANYONE", ct)).Body, Is.EqualTo("(unset)"));
    }

    [Test]
    public async Task Workers_RunTheirThreadPoolWithoutSpinning(CancellationToken ct)
    {
        // Several pools on the same cores: spinning idle threads took most of the workers' CPU.
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using var _ = server;

        Assert.That((await Http.Get(url, "/appcontext?name=System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", ct)).Body, Is.EqualTo("0"));
    }

    [Test]
    public async Task Workers_RunOnTheRuntimesDefaults_WhereTheAppSaysNothing_AndTheOperatorsEnvironmentReachesThem(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using (server)
        {
            Assert.That((await Http.Get(url, "/env?name=DOTNET_TieredCompilation", ct)).Body, Is.EqualTo("(unset)"));
            Assert.That((await Http.Get(url, "/gc", ct)).Body, Is.EqualTo("workstation"));
        }

        var (server2, url2) = await ServerProcess.StartReady(App, workers: 1, ct, "-e", "DOTNET_gcServer=1");
        await using (server2)
        {
            Assert.That((await Http.Get(url2, "/gc", ct)).Body, Is.EqualTo("server"));
        }
    }

    [Test]
    public async Task AnAppWhoseRuntimeConfigAsksForServerGc_GetsIt_InEveryWorker(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-servergc");
        var folder = temp.CopyTree(Path.GetDirectoryName(App)!, "app");

        // As <ServerGarbageCollection>true</ServerGarbageCollection> and <TieredPGO>false</TieredPGO> in an
        // app's project write them (the test app, a class library, has no runtimeconfig of its own).
        File.WriteAllText(Path.Combine(folder, "testapp.runtimeconfig.json"), """
            { "runtimeOptions": { "tfm": "net10.0", "configProperties": { "System.GC.Server": true, "System.Runtime.TieredPGO": false } } }
            """);

        var (server, url) = await ServerProcess.StartReady(Path.Combine(folder, "testapp.dll"), workers: 2, ct);
        await using var _ = server;
        for (var i = 0; i < 4; i++)
        {
            Assert.That((await Http.Get(url, "/gc", ct)).Body, Is.EqualTo("server"));
        }

        Assert.That((await Http.Get(url, "/env?name=DOTNET_TieredPGO", ct)).Body, Is.EqualTo("0"));
        Assert.That((await Http.Get(url, "/env?name=DOTNET_TieredCompilation", ct)).Body, Is.EqualTo("(unset)"), "what the app does not set stays the runtime's");
    }

    [Test]
    public async Task Env_WithoutEquals_IsAUsageError(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "-e", "GREETING", App);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("'GREETING' is not KEY=VALUE"));
    }

    [Test]
    public async Task ForwardedHeaders_FromATrustedProxy_GiveTheClientAndScheme(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using var _ = server;

        var trusted = await Body(url.Port, Request("/remote", "X-Forwarded-For: 203.0.113.7, 127.0.0.1", "X-Forwarded-Proto: https"), ct);
        Assert.That(trusted, Is.EqualTo("203.0.113.7 https"), "127.0.0.1 is trusted by default");

        var ssl = await Body(url.Port, Request("/remote", "X-Forwarded-Ssl: on"), ct);
        Assert.That(ssl, Is.EqualTo("127.0.0.1 https"));

        Assert.That(await Raw(url.Port, Request("/remote", "X-Forwarded-Proto: https", "X-Forwarded-Ssl: off"), ct), Is.EqualTo(400), "contradictory scheme headers");
    }

    [Test]
    public async Task ForwardedHeaders_FromAnUntrustedAddress_AreIgnored(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--forwarded-allow-ips", "10.0.0.0/8, 192.168.1.1");
        await using var _ = server;

        var answer = await Body(url.Port, Request("/remote", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https"), ct);

        Assert.That(answer, Is.EqualTo("127.0.0.1 http"));
    }

    [TestCase(null, "127.0.0.2 http")]
    [TestCase("*", "203.0.113.7 https")]
    public async Task ForwardedAllowIps_Star_TrustsAProxyAnywhere(string? allow, string expected, CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, allow is null ? [] : ["--forwarded-allow-ips", allow]);
        await using var _ = server;

        // A peer other than 127.0.0.1: the default trusts it not, '*' does.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Request("/remote", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https")), ct);
        var (status, _, body) = await new HttpResponseReader(socket).ReadAsync();

        Assert.That((status, body), Is.EqualTo((200, expected)));
    }

    [Test]
    public async Task Backlog_IsTheListenBacklog_OfTheMastersAndTheWorkersListen(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--backlog", "37");
        await using var _ = server;

        // For a listening socket, ss shows the backlog as Send-Q.
        var (code, output) = await Command.Run(ct, "ss", "-Hltn", $"sport = :{url.Port}");
        Assert.That(code, Is.Zero, output);
        Assert.That(output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3], Is.EqualTo(new[] { "LISTEN", "0", "37" }), output);
    }

    [Test]
    public async Task KeepAliveZero_ClosesEveryConnectionAfterItsResponse(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--keep-alive", "0");
        await using var _ = server;
        using var socket = await Connect(url.Port, ct);

        var (status, close, _) = await KeepAliveGet(socket, ct);

        Assert.That((status, close), Is.EqualTo((200, true)), "Connection: close on a request that asked to keep it open");
    }

    [Test]
    public async Task LimitRequestLineZero_TakesTheLongestLineKestrelTakes(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--limit-request-line", "0");
        await using var _ = server;
        var target = "/pid?pad=" + new string('a', 8000);

        Assert.That(await Raw(url.Port, $"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ct), Is.EqualTo(200), "8 kB, twice the default's 4094");
    }

    [Test]
    public async Task LimitRequestFieldSizeZero_SetsNoLimitPerField(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--limit-request-field_size", "0");
        await using var _ = server;

        Assert.That(await Raw(url.Port, Request("/pid", "X-Big: " + new string('a', 20_000)), ct), Is.EqualTo(200), "20 kB in one field, beyond the default's 8190");
    }

    [Test]
    public async Task SecureSchemeHeaders_FromAConfigFileDict_ReplaceTheDefaults(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-scheme");
        var config = dir.File("gunicorn.conf.py");
        await File.WriteAllTextAsync(config, "secure_scheme_headers = {'X-SCHEME': 'secure'}\n", ct);
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "-c", config);
        await using var _ = server;

        Assert.That(await Body(url.Port, Request("/remote", "X-Scheme: secure"), ct), Is.EqualTo("127.0.0.1 https"));
        Assert.That(await Body(url.Port, Request("/remote", "X-Forwarded-Proto: https"), ct), Is.EqualTo("127.0.0.1 http"), "the defaults are replaced");
    }

    [Test]
    public async Task ReusePort_LetsAnotherSocketWithIt_BindThePort(CancellationToken ct)
    {
        var (plain, plainUrl) = await ServerProcess.StartReady(App, workers: 1, ct);
        await using (plain)
        {
            Assert.That(CanBindWithReusePort(plainUrl.Port), Is.False, "without --reuse-port the port is ours alone");
        }

        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--reuse-port");
        await using var _ = server;
        Assert.That(CanBindWithReusePort(url.Port), Is.True);
    }

    [Test]
    public async Task Name_NamesTheMasterAndTheWorkers_CutTo15Bytes(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--name", "hbnb-production-api");
        await using var _ = server;
        var worker = int.Parse((await Http.Get(url, "/pid", ct)).Body, CultureInfo.InvariantCulture);

        Assert.That(Comm(server.Pid), Is.EqualTo("hbnb-production"));
        Assert.That(Comm(worker), Is.EqualTo("hbnb-production"));
    }

    [Test]
    public async Task CaptureOutput_PutsTheAppsStdoutInTheErrorLog(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-capture");
        var captured = dir.File("captured.log");
        var notCaptured = dir.File("plain.log");
        var server = ServerProcess.Start(["--bind", "unix:" + dir.File("s.sock"), "--capture-output", "--error-logfile", captured, App]);
        await using (server)
        {
            await Wait.Until(() => File.Exists(dir.File("s.sock")) && Answers(dir.File("s.sock"), ct), TimeSpan.FromSeconds(30), "the server answers", ct, () => File.ReadAllText(captured));
            Assert.That((await Http.GetUnix(dir.File("s.sock"), "/print?text=printed-by-the-app", ct)).Body, Is.EqualTo("printed"));
            await Wait.Until(() => File.ReadAllText(captured).Contains("printed-by-the-app"), TimeSpan.FromSeconds(10), "the app's line in the error log", ct);
        }

        var other = ServerProcess.Start(["--bind", "unix:" + dir.File("o.sock"), "--error-logfile", notCaptured, App]);
        await using (other)
        {
            await Wait.Until(() => File.Exists(dir.File("o.sock")) && Answers(dir.File("o.sock"), ct), TimeSpan.FromSeconds(30), "the server answers", ct, () => File.ReadAllText(notCaptured));
            await Http.GetUnix(dir.File("o.sock"), "/print?text=printed-by-the-app", ct);
            await Wait.Until(() => other.Output.Contains("printed-by-the-app"), TimeSpan.FromSeconds(10), "the line on stdout", ct);
            Assert.That(File.ReadAllText(notCaptured), Does.Not.Contain("printed-by-the-app"));
        }
    }

    [Test]
    public async Task Umask_DecidesTheUnixSocketsPermissions(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-umask");
        var open = dir.File("open.sock");
        var closed = dir.File("closed.sock");
        var server = ServerProcess.Start(["--bind", "unix:" + open, "--log-level", "debug", App]);
        await using (server)
        {
            await server.WaitForReady(1, ct);
            Assert.That(File.GetUnixFileMode(open), Is.EqualTo((UnixFileMode)0x1FF), "umask 0, as gunicorn: anyone may connect");
        }

        var other = ServerProcess.Start(["--bind", "unix:" + closed, "--umask", "0o077", "--log-level", "debug", App]);
        await using (other)
        {
            await other.WaitForReady(1, ct);
            Assert.That(File.GetUnixFileMode(closed), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That((await Http.GetUnix(closed, "/", ct)).Body, Is.EqualTo("main"));
        }
    }

    [Test]
    public async Task User_RunsTheWorkersAsThatUser_WhileTheMasterStaysRoot(CancellationToken ct)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "dropping privileges needs a root master");
        using var dir = new TempDirectory("gunicornet-user");

        // The workers open the access log themselves: its folder must let them in.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ED);
        var access = dir.File("access.log");
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct, "--user", "nobody", "--access-logfile", access);
        await using var _ = server;

        var worker = int.Parse((await Http.Get(url, "/pid", ct)).Body, CultureInfo.InvariantCulture);

        Assert.That(Ids(worker, "Uid"), Is.EqualTo(new[] { 65534, 65534, 65534, 65534 }), "real, effective, saved and filesystem uid");
        Assert.That(Ids(worker, "Gid"), Is.EqualTo(new[] { 65534, 65534, 65534, 65534 }), "nobody's own group");
        Assert.That(Ids(worker, "Groups"), Is.Empty, "no supplementary group is kept");
        Assert.That(Ids(server.Pid, "Uid")[1], Is.EqualTo(0));
        await Wait.Until(() => File.Exists(access) && File.ReadAllText(access).Contains("GET /pid"), TimeSpan.FromSeconds(10), "the access log written by the unprivileged worker", ct);
    }

    [TestCase(new[] { "--initgroups" }, 65534, new[] { 65534 }, TestName = "InitGroups_GivesTheWorkersTheUsersGroups")]
    [TestCase(new[] { "--group", "0" }, 0, new int[0], TestName = "Group_WinsOverTheUsersOwn_AndNoSupplementaryGroupIsKept")]
    public async Task UserAndGroups(string[] extra, int gid, int[] groups, CancellationToken ct)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "dropping privileges needs a root master");
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, ["--user", "nobody", .. extra]);
        await using var _ = server;

        var worker = int.Parse((await Http.Get(url, "/pid", ct)).Body, CultureInfo.InvariantCulture);

        Assert.That(Ids(worker, "Gid")[1], Is.EqualTo(gid));
        Assert.That(Ids(worker, "Groups"), Is.EqualTo(groups), "supplementary groups: nobody's from /etc/group with --initgroups, none without");
    }

    [Test]
    public async Task User_WithoutRoot_IsAOneLineError(CancellationToken ct)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "starting the master as another user needs root");

        var (code, output) = await Command.Run(
            ct, "setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", Paths.Server, "-b", "127.0.0.1:0", "--no-control-socket", "--user", "root", App);

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Is.EqualTo("gunicornet: error: --user and --group need the master to run as root (it is not): workers can't change to another user"));
    }

    [Test]
    public async Task User_ThatDoesNotExist_IsAUsageError(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--user", "no-such-user-here", App);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("no such user 'no-such-user-here'"));
    }

    private static bool Answers(string socket, CancellationToken ct)
    {
        try
        {
            return Http.GetUnix(socket, "/", ct).GetAwaiter().GetResult().Status == 200;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string Request(string path, params string[] headers) =>
        $"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    private static string Comm(int pid) => File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');

    private static int[] Ids(int pid, string field) =>
        File.ReadAllLines($"/proc/{pid}/status")
            .Single(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..]
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(v => int.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();

    private static bool CanBindWithReusePort(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        // SOL_SOCKET, SO_REUSEPORT.
        socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1));
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
    }

    private static async Task<Socket> Connect(int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        return socket;
    }

    private static async Task<(int Status, bool Close, string Body)> KeepAliveGet(Socket socket, CancellationToken ct)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ct);
        return await new HttpResponseReader(socket).ReadAsync();
    }

    /// <summary>Sends <paramref name="request"/>; returns the status of its one answer, or 0 when the connection closed without one.</summary>
    private static async Task<int> Raw(int port, string request, CancellationToken ct)
    {
        using var socket = await Connect(port, ct);
        return await Raw(socket, request, ct);
    }

    private static async Task<int> Raw(Socket socket, string request, CancellationToken ct)
    {
        var (statuses, _) = await RawHttp.Exchange(socket, Encoding.ASCII.GetBytes(request), ct);
        Assert.That(statuses, Has.Count.LessThanOrEqualTo(1), "one answer at most");
        return statuses.Count == 0 ? 0 : statuses[0];
    }

    /// <summary>The body of a 200 answer to <paramref name="request"/>.</summary>
    private static async Task<string> Body(int port, string request, CancellationToken ct)
    {
        using var socket = await Connect(port, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), ct);
        var (status, _, text) = await new HttpResponseReader(socket).ReadAsync();
        Assert.That(status, Is.EqualTo(200), text);
        return text;
    }
}
