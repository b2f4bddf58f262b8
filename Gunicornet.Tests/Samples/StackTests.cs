using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;
using By = OpenQA.Selenium.By;
using OpenQA.Selenium.Support.UI;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// <c>scripts/stack</c>, as an operator runs it: HAProxy on lb-01 in front of web-01 and web-02 (nginx
/// + the four HBNB apps under gunicornet each) sharing PostgreSQL on db-01, each host a network
/// namespace of the script's own; requests go through the link it adds (198.18.0.1). In order: the
/// stack answers, a rolling deploy under load, a lost host, a broken deploy, and <c>down</c>.
/// </summary>
[TestFixture]
[Category("Process")]
[NonParallelizable]
[CancelAfter(600_000)]
public sealed partial class StackTests
{
    private const string State = "/var/lib/gunicornet-stack";
    private static readonly string Script = Path.Combine(Paths.Root, "scripts", "stack");
    private static readonly Uri Balancer = new("http://198.18.0.10/");
    private static readonly Dictionary<string, Uri> Hosts = new()
    {
        ["web-01"] = new Uri("http://198.18.0.11/"),
        ["web-02"] = new Uri("http://198.18.0.12/"),
    };

    private static readonly string[] Apps = ["hbnb-onepage", "hbnb-number", "hbnb-api", "hbnb"];

    [OneTimeSetUp]
    public async Task UpAsync()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "the stack makes network namespaces: it needs root");
        Assert.That(Directory.Exists(State), Is.False, $"a stack is up already ({State}): scripts/stack down first");
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var (code, stdout, stderr) = await Command.RunApart(null, bound.Token, Script, "up", "--workers", "2");
        Assert.That(code, Is.Zero, stderr + stdout);
        Assert.That(stdout, Does.EndWith(Balancer + "\n"), "the last line is the load balancer's URL");
    }

    [OneTimeTearDown]
    public async Task DownAsync()
    {
        if (Environment.UserName == "root")
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Stack(bound.Token, "down");
        }
    }

    [Test]
    [Order(1)]
    public async Task UpAgain_IsAnError_ThatSaysTheStackIsUp(CancellationToken ct)
    {
        var (code, output) = await Stack(ct, "up");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("the stack is already up"));
    }

    [Test]
    [Order(1)]
    public async Task AMistake_IsOneLineThatSaysWhat_AndChangesNothing(CancellationToken ct)
    {
        Assert.That(await Stack(ct, "restart"), Is.EqualTo((2, "stack: unknown command: restart (see --help)")));
        Assert.That(await Stack(ct, "up", "--workers", "many"), Is.EqualTo((2, "stack: --workers needs a whole number (see --help)")));
        Assert.That(await Stack(ct, "start", "web-09"), Is.EqualTo((2, "stack: start: name a web host (web-01 or web-02) (see --help)")));
        Assert.That(await Stack(ct, "deploy", "--from", "/nonexistent"), Is.EqualTo((1, "stack: --from: no folder /nonexistent")));
        Assert.That(await HaproxyStates(ct), Is.EqualTo("web-01 UP, web-02 UP"));
    }

    [Test]
    [Order(2)]
    public async Task BothHostsAnswer_InTurn_AndShareOneDatabase(CancellationToken ct)
    {
        var servedBy = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var (status, _, response) = await Http.Send(HttpMethod.Get, Balancer, "/api/v1/status", ct);
            Assert.That(status, Is.EqualTo(200));
            servedBy.Add(response.Headers.GetValues("X-Served-By").Single());
        }

        Assert.That(servedBy.Distinct(), Is.EquivalentTo(Hosts.Keys));
        // Round robin; one repeat allowed, for a request HAProxy sent on to the other host (retry-on).
        Assert.That(servedBy.Zip(servedBy.Skip(1)).Count(p => p.First == p.Second), Is.LessThanOrEqualTo(1), "round robin: " + string.Join(" ", servedBy));

        // A state created through one host, read through the other.
        var name = "Stack " + Guid.NewGuid().ToString("N")[..8];
        var (created, body, _) = await Http.Send(HttpMethod.Post, Hosts["web-01"], "/api/v1/states", ct, $$"""{"name": "{{name}}"}""");
        Assert.That(created, Is.EqualTo(201), body);
        var id = JsonNode.Parse(body)!["id"]!.GetValue<string>();
        var (read, readBody, response2) = await Http.Send(HttpMethod.Get, Hosts["web-02"], $"/api/v1/states/{id}", ct);
        Assert.That(read, Is.EqualTo(200), readBody);
        Assert.That(JsonNode.Parse(readBody)!["name"]!.GetValue<string>(), Is.EqualTo(name));
        Assert.That(response2.Headers.GetValues("X-Served-By").Single(), Is.EqualTo("web-02"));
    }

    [Test]
    [Order(3)]
    public void TheHbnbPage_WorksThroughTheBalancer_InChromium()
    {
        using var chromium = new Browser();
        var browser = chromium.Driver;
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        browser.Navigate().GoToUrl(Balancer.ToString() + "101-hbnb");

        wait.Until(b => b.FindElement(By.Id("api_status")).GetAttribute("class")!.Contains("available", StringComparison.Ordinal));
        wait.Until(b => b.FindElements(By.CssSelector("section.places article")).Count == 10);
        Assert.That(browser.FindElements(By.CssSelector("section.places article .title_box h2")).Select(e => e.Text), Does.Contain("Desert house"));
    }

    [Test]
    [Order(4)]
    public async Task Deploy_UnderLoad_LosesNoRequest_AndReplacesEveryWorkerOnBothHosts(CancellationToken ct)
    {
        var before = await WorkerPids(ct);
        await using var load = KeepAliveLoad.Start(new IPEndPoint(IPAddress.Parse("198.18.0.10"), 80), connections: 6, "/api/v1/status");
        await Wait.Until(() => load.Succeeded > 100, TimeSpan.FromSeconds(20), "the load to run", ct, load.ToString);

        var started = DateTime.UtcNow;
        var (code, output) = await Stack(ct, "deploy");
        var took = DateTime.UtcNow - started;
        await load.StopAsync();

        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("web-01: draining it in HAProxy").And.Contain("web-02: back into the rotation").And.Contain("deployed to web-01 web-02"));
        Assert.That(load.Failed, Is.Zero, load.ToString());
        var after = await WorkerPids(ct);
        foreach (var (key, pids) in before)
        {
            Assert.That(after[key].Intersect(pids), Is.Empty, $"{key}: every worker replaced");
            Assert.That(after[key], Has.Count.EqualTo(2), key);
        }

        Assert.That(await HaproxyStates(ct), Is.EqualTo("web-01 UP, web-02 UP"));
        TestContext.Out.WriteLine($"deploy under load: {load.Succeeded} requests, {load.Failed} failed, {took.TotalSeconds:F0} s");
    }

    [Test]
    [Order(5)]
    public async Task ALostHost_LeavesTheRotation_TheOtherServes_AndItComesBack(CancellationToken ct)
    {
        const int Connections = 6;
        await using var load = KeepAliveLoad.Start(new IPEndPoint(IPAddress.Parse("198.18.0.10"), 80), Connections, "/api/v1/status");
        await Wait.Until(() => load.Succeeded > 100, TimeSpan.FromSeconds(20), "the load to run", ct, load.ToString);

        // web-01 loses every gunicornet master (its workers follow them); its nginx answers 502.
        foreach (var app in Apps)
        {
            Gunicornet.Posix.Signals.Send(int.Parse(File.ReadAllText($"{State}/web-01/run/{app}.pid").Trim(), System.Globalization.CultureInfo.InvariantCulture), Gunicornet.Posix.Signal.Kill);
        }

        var lost = DateTime.UtcNow;
        await Wait.Until(() => HaproxyStatus("web-01").StartsWith("DOWN", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "HAProxy to take web-01 out", ct);
        var outAfter = DateTime.UtcNow - lost;

        // The configuration's bound: two failed checks a second apart (fall 2, inter 1s), plus a check's own time.
        Assert.That(outAfter, Is.LessThan(TimeSpan.FromSeconds(4)), "out of the rotation within its health checks");
        var atDown = load.Succeeded;
        await Wait.Until(() => load.Succeeded > atDown + 200, TimeSpan.FromSeconds(20), "web-02 to serve on", ct, load.ToString);
        Assert.That((await Http.Send(HttpMethod.Get, Balancer, "/api/v1/status", ct)).Response.Headers.GetValues("X-Served-By").Single(), Is.EqualTo("web-02"));

        var (code, output) = await Stack(ct, "start", "web-01");
        Assert.That(code, Is.Zero, output);
        await Wait.Until(() => HaproxyStatus("web-01") == "UP", TimeSpan.FromSeconds(15), "HAProxy to put web-01 back", ct);
        await load.StopAsync();

        // At most what was in flight when the masters died; HAProxy sends a GET that got a 502 to the other host.
        Assert.That(load.Failed, Is.LessThanOrEqualTo(Connections), load.ToString());
        TestContext.Out.WriteLine($"lost host: out of the rotation after {outAfter.TotalSeconds:F1} s; {load}");
    }

    [Test]
    [Order(6)]
    public async Task ABrokenDeploy_StopsAtTheFirstHost_LeftDrainedOnItsPreviousBuild_WhileTheSiteAnswers(CancellationToken ct)
    {
        // The current build, but the page's appsettings.json broken: the app throws at startup.
        using var broken = new TempDirectory("gunicornet-stack-broken");
        var (copied, copyOutput) = await Command.Run(ct, "cp", "-a", $"{State}/release/.", broken.Path);
        Assert.That(copied, Is.Zero, copyOutput);
        File.WriteAllText(Path.Combine(broken.Path, "web_dynamic", "appsettings.json"), """{ "Logging": """);
        var before = await WorkerPids(ct);
        await using var load = KeepAliveLoad.Start(new IPEndPoint(IPAddress.Parse("198.18.0.10"), 80), connections: 6, "/api/v1/status");
        await Wait.Until(() => load.Succeeded > 100, TimeSpan.FromSeconds(20), "the load to run", ct, load.ToString);

        var (code, output) = await Stack(ct, "deploy", "--from", broken.Path);
        await load.StopAsync();

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("deploy stopped at web-01: gunicornet hbnb could not reload onto the new build"));
        Assert.That(output, Does.Contain("Failed to load configuration from file"), "the master's reason, as reload-gunicornet reports it");
        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(await HaproxyStates(ct), Is.EqualTo("web-01 DRAIN, web-02 UP"));

        var after = await WorkerPids(ct);
        foreach (var app in Apps)
        {
            Assert.That(after[$"web-02/{app}"], Is.EquivalentTo(before[$"web-02/{app}"]), $"web-02/{app} untouched");
        }

        Assert.That(after["web-01/hbnb"], Is.EquivalentTo(before["web-01/hbnb"]), "the app that failed kept its workers");
        Assert.That(File.Exists($"{State}/web-01/opt/hbnb/web_dynamic/appsettings.json"), Is.False, "the previous build (which has none) is back in the app folder");
        foreach (var path in new[] { "/", "/api/v1/status", "/airbnb-onepage/" })
        {
            Assert.That((await Http.Get(Hosts["web-01"], path, ct)).Status, Is.EqualTo(200), $"web-01 serves {path} on its previous build");
            Assert.That((await Http.Get(Balancer, path, ct)).Status, Is.EqualTo(200), $"the site serves {path}");
        }

        var (ready, readyOutput) = await Stack(ct, "ready", "web-01");
        Assert.That(ready, Is.Zero, readyOutput);
        await Wait.Until(() => HaproxyStatus("web-01") == "UP", TimeSpan.FromSeconds(15), "web-01 back in the rotation", ct);
    }

    [Test]
    [Order(7)]
    public async Task Down_LeavesNoNamespaceProcessLinkOrFile(CancellationToken ct)
    {
        var (_, namespaces) = await Command.Run(ct, "ip", "netns", "list");
        var pids = new List<int>();
        foreach (var name in GnNamespace().Matches(namespaces).Select(m => m.Value))
        {
            var (_, inside) = await Command.Run(ct, "ip", "netns", "pids", name);
            pids.AddRange(inside.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
        }

        Assert.That(pids, Has.Count.GreaterThan(20), "the stack's processes: HAProxy, nginx, PostgreSQL, masters and workers");

        var (code, stdout, stderr) = await Command.RunApart(null, ct, Script, "down");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Is.EqualTo("the stack is down\n"));

        Assert.That(GnNamespace().IsMatch((await Command.Run(ct, "ip", "netns", "list")).Output), Is.False, "no namespace left");
        Assert.That((await Command.Run(ct, "ip", "link", "show", "gn-stack")).Code, Is.Not.Zero, "no link left");
        Assert.That(Directory.Exists(State), Is.False, "no file left");
        Assert.That(File.ReadAllText("/proc/mounts"), Does.Not.Contain(State), "no namespace file mounted");
        Assert.That(pids.Where(Running), Is.Empty, "no process left");

        var again = await Stack(ct, "down");
        Assert.That(again, Is.EqualTo((0, "the stack is not up")));
    }

    /// <summary>True while a process runs: it exists and is not a zombie waiting for its parent to collect it.</summary>
    private static bool Running(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static Task<(int Code, string Output)> Stack(CancellationToken ct, params string[] args) => Command.Run(ct, Script, args);

    /// <summary>Each web host's state in HAProxy, from <c>scripts/stack status</c>: "web-01 UP, web-02 DRAIN" (a check's progress, "UP 1/2", left out).</summary>
    private static async Task<string> HaproxyStates(CancellationToken ct)
    {
        var (code, output) = await Stack(ct, "status");
        Assert.That(code, Is.Zero, output);
        TestContext.Out.WriteLine(output);
        return string.Join(", ", HaproxyLine().Matches(output).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}"));
    }

    /// <summary>A web host's status in HAProxy (<c>UP</c>, <c>DOWN</c>, <c>DRAIN</c>, <c>UP 1/2</c> ...), asked on its runtime API.</summary>
    private static string HaproxyStatus(string host)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint($"{State}/lb-01/admin.sock"));
        using var stream = new System.Net.Sockets.NetworkStream(socket);
        stream.Write("show stat\n"u8);
        using var reader = new StreamReader(stream);
        var rows = reader.ReadToEnd().Split('\n').Select(line => line.Split(','));
        return rows.Single(r => r.Length > 17 && r[0] == "web" && r[1] == host)[17];
    }

    /// <summary>The worker PIDs of each app on each web host ("web-01/hbnb-api"), from its control socket.</summary>
    private static async Task<Dictionary<string, List<int>>> WorkerPids(CancellationToken ct)
    {
        var result = new Dictionary<string, List<int>>();
        foreach (var host in Hosts.Keys)
        {
            foreach (var app in Apps)
            {
                var (code, output) = await Command.Run(ct, Paths.Server, "ctl", "-s", $"{State}/{host}/run/{app}.ctl", "show", "workers", "--json");
                Assert.That(code, Is.Zero, output);
                result[$"{host}/{app}"] = JsonNode.Parse(output)!["workers"]!.AsArray()
                    .Where(w => (string?)w!["state"] == "ready").Select(w => (int)w!["pid"]!).ToList();
            }
        }

        return result;
    }

    [GeneratedRegex(@"^gn-[a-z0-9-]+", RegexOptions.Multiline)]
    private static partial Regex GnNamespace();

    [GeneratedRegex(@"^(web-0[12]) [0-9.]+: ([A-Z]+)", RegexOptions.Multiline)]
    private static partial Regex HaproxyLine();
}
