using Gunicornet.Config;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Tests.Config;

/// <summary>The command line generated from the settings table, with gunicorn's names and defaults.</summary>
[TestFixture]
public sealed class CommandLineTests
{
    private static (ServerConfig? Config, List<string> Errors) Parse(string[] args, Dictionary<string, string?>? env = null)
    {
        var commandLine = new CommandLine(env ?? []);
        var result = commandLine.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var config = commandLine.ToConfig(result, errors);
        return (errors.Count > 0 ? null : config, errors);
    }

    [Test]
    public void Defaults_AreGunicorns()
    {
        var (config, errors) = Parse(["app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.App, Is.EqualTo("app.dll"));
        Assert.That(config.Get(Settings.Bind), Is.EqualTo(new[] { "127.0.0.1:8000" }));
        Assert.That(config.Get(Settings.Workers), Is.EqualTo(1));
        Assert.That(config.Get(Settings.Backlog), Is.EqualTo(2048));
        Assert.That(config.Get(Settings.GracefulTimeout), Is.EqualTo(30));
        Assert.That(config.Get(Settings.LogLevel), Is.EqualTo("info"));
        Assert.That(config.Get(Settings.Chdir), Is.Null);
        Assert.That(config.Get(Settings.PidFile), Is.Null);
    }

    [Test]
    public void EveryFlag_ShortAndLong()
    {
        var dir = Path.GetTempPath();
        var (config, errors) = Parse([
            "-b", "127.0.0.1:5000", "--bind", "unix:/tmp/x.sock", "-w", "3", "--backlog", "64",
            "--chdir", dir, "-p", "/tmp/g.pid", "--log-level", "debug", "--graceful-timeout", "5", "app.dll:A.B",
        ]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Bind), Is.EqualTo(new[] { "127.0.0.1:5000", "unix:/tmp/x.sock" }));
        Assert.That(config.Get(Settings.Workers), Is.EqualTo(3));
        Assert.That(config.Get(Settings.Backlog), Is.EqualTo(64));
        Assert.That(config.Get(Settings.Chdir), Is.EqualTo(dir));
        Assert.That(config.Get(Settings.PidFile), Is.EqualTo("/tmp/g.pid"));
        Assert.That(config.Get(Settings.LogLevel), Is.EqualTo("debug"));
        Assert.That(config.Get(Settings.GracefulTimeout), Is.EqualTo(5));
        Assert.That(config.App, Is.EqualTo("app.dll:A.B"));
    }

    [Test]
    public void PortVariable_MeansAllInterfacesOnThatPort_UnlessBindIsGiven()
    {
        var env = new Dictionary<string, string?> { ["PORT"] = "5005" };

        Assert.That(Parse(["app.dll"], env).Config!.Get(Settings.Bind), Is.EqualTo(new[] { "0.0.0.0:5005" }));
        Assert.That(Parse(["-b", "127.0.0.1:1", "app.dll"], env).Config!.Get(Settings.Bind), Is.EqualTo(new[] { "127.0.0.1:1" }));
    }

    [Test]
    public void WebConcurrency_SetsTheDefaultWorkerCount_UnlessWorkersIsGiven()
    {
        var env = new Dictionary<string, string?> { ["WEB_CONCURRENCY"] = "4" };

        Assert.That(Parse(["app.dll"], env).Config!.Get(Settings.Workers), Is.EqualTo(4));
        Assert.That(Parse(["-w", "2", "app.dll"], env).Config!.Get(Settings.Workers), Is.EqualTo(2));
    }

    [TestCase("WEB_CONCURRENCY", "many", "WEB_CONCURRENCY='many'")]
    [TestCase("PORT", "http", "PORT='http'")]
    public void BadEnvironmentDefaults_AreErrorsNamingTheVariable(string variable, string value, string named)
    {
        var (config, errors) = Parse(["app.dll"], new Dictionary<string, string?> { [variable] = value });

        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Some.Contains(named));
    }

    [TestCase(new[] { "--frobnicate", "app.dll" }, "--frobnicate")]
    [TestCase(new[] { "-w", "0", "app.dll" }, "at least 1")]
    [TestCase(new[] { "-w", "three", "app.dll" }, "three")]
    [TestCase(new[] { "-b", "127.0.0.1:99999", "app.dll" }, "not a port number")]
    [TestCase(new[] { "--log-level", "loud", "app.dll" }, "loud")]
    [TestCase(new[] { "--backlog", "0", "app.dll" }, "positive")]
    [TestCase(new[] { "--graceful-timeout", "-1", "app.dll" }, "negative")]
    [TestCase(new[] { "--chdir", "/no/such/dir", "app.dll" }, "/no/such/dir")]
    [TestCase(new string[0], "APP")]
    public void BadInput_IsAnErrorSayingWhat(string[] args, string what)
    {
        var (config, errors) = Parse(args);

        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Some.Contains(what), string.Join("\n", errors));
    }
}
