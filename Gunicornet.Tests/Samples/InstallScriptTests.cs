using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// <c>scripts/install-hbnb</c>, staged with <c>--destdir</c> (a test cannot enable units on the
/// machine it runs on): it publishes and lays out every file of the deployment, and the staged tree,
/// started the way its units and nginx site say, serves the original project's requests.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(600_000)]
public sealed class InstallScriptTests
{
    private static readonly string Script = Path.Combine(Paths.Root, "scripts", "install-hbnb");
    private TempDirectory _root = null!;

    [OneTimeSetUp]
    public async Task InstallAsync()
    {
        _root = new TempDirectory("gunicornet-install");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var (code, output) = await Command.Run(timeout.Token, Script, "--destdir", _root.Path);
        Assert.That(code, Is.EqualTo(0), output);
    }

    [OneTimeTearDown]
    public void Remove() => _root.Dispose();

    [Test]
    public void TheKitsFiles_AreInstalledAsTheyAre()
    {
        foreach (var (kit, installed) in new[]
        {
            ("systemd/gunicornet-hbnb.service", "etc/systemd/system/gunicornet-hbnb.service"),
            ("systemd/gunicornet-hbnb.socket", "etc/systemd/system/gunicornet-hbnb.socket"),
            ("systemd/gunicornet@.service", "etc/systemd/system/gunicornet@.service"),
            ("nginx/hbnb.conf", "etc/nginx/sites-available/hbnb"),
        })
        {
            Assert.That(File.ReadAllText(_root.File(installed)), Is.EqualTo(File.ReadAllText(Path.Combine(Paths.Root, "scripts", kit))), installed);
        }

        Assert.That(new FileInfo(_root.File("etc/nginx/sites-enabled/hbnb")).LinkTarget, Is.EqualTo("/etc/nginx/sites-available/hbnb"));
        Assert.That(new FileInfo(_root.File("usr/local/bin/gunicornet")).LinkTarget, Is.EqualTo("/opt/gunicornet/gunicornet"));
        Assert.That(File.Exists(_root.File("opt/gunicornet/gunicornet")), "the published server");
        Assert.That(File.Exists(_root.File("opt/hbnb/web_dynamic/static/scripts/hbnb.js")), "the static files nginx serves");
        Assert.That(new FileInfo(_root.File("var/lib/hbnb/hbnb.db")).Length, Is.GreaterThan(0), "the seeded database");
    }

    [Test]
    public void EachTemplateInstance_HasItsApp()
    {
        var env = (string name) => File.ReadAllText(_root.File($"etc/gunicornet/{name}.env"));

        Assert.That(env("hbnb-onepage"), Does.Contain("GUNICORNET_ARGS=--bind 0.0.0.0:5000 ").And.Contain("/opt/hbnb/web_flask/web_flask.dll:HelloRoute"));
        Assert.That(env("hbnb-number"), Does.Contain("GUNICORNET_ARGS=--bind 0.0.0.0:5001 ").And.Contain("/opt/hbnb/web_flask/web_flask.dll:NumberOddOrEven"));
        Assert.That(env("hbnb-api"), Does.Contain("GUNICORNET_ARGS=--bind 0.0.0.0:5002 ").And.Contain("/opt/hbnb/api/api.dll"));
    }

    [Test]
    public async Task TheInstalledDeployment_ServesTheOriginalRequestsThroughNginx_AndCtlAnswersOnEachUnitsSocket(CancellationToken ct)
    {
        await using var deployment = await HbnbDeployment.Start(HbnbLayout.Staged(_root.Path));
        var url = deployment.Url;

        Assert.That(await Http.Get(url, "/airbnb-onepage/", ct), Is.EqualTo((200, "Hello HBNB!")));
        Assert.That((await Http.Get(url, "/airbnb-dynamic/number_odd_or_even/6", ct)).Body, Does.Contain("<H1>Number: 6 is even</H1>"));
        Assert.That(await Http.Get(url, "/api/v1/status", ct), Is.EqualTo((200, """{"status":"OK"}""")));
        var states = await Http.Get(url, "/api/v1/states", ct);
        Assert.That(states.Body, Does.Contain("\"__class__\":\"State\""), "the seed data the script loaded");
        Assert.That((await Http.Get(url, "/", ct)).Body, Does.Contain("data-step=\"2\""));
        Assert.That((await Http.Get(url, "/static/scripts/hbnb.js", ct)).Status, Is.EqualTo(200));

        // Each unit's control socket, in the runtime directory systemd makes for it.
        foreach (var (unit, workers) in new[] { ("gunicornet-hbnb", 3), ("gunicornet-hbnb-onepage", 2), ("gunicornet-hbnb-number", 2), ("gunicornet-hbnb-api", 3) })
        {
            var (code, output) = await Command.Run(ct, Paths.Server, "ctl", "-s", _root.File($"run/{unit}/ctl"), "--json", "show", "stats");
            Assert.That(code, Is.Zero, $"{unit}: {output}");
            Assert.That(System.Text.Json.Nodes.JsonNode.Parse(output)!["workers"]!.GetValue<int>(), Is.EqualTo(workers), unit);
        }
    }

    [Test]
    public async Task AnUnknownArgument_IsAOneLineErrorAndExit2(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Script, "--prefix", "/usr");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(output, Is.EqualTo("install-hbnb: unknown argument: --prefix (see --help)"));
    }
}
