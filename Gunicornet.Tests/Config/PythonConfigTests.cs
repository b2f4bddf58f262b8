using Gunicornet.Config;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Config;

/// <summary>
/// A gunicorn .py config read as gunicorn reads it, by running it with python3 (which CI installs):
/// computed values, imports, the environment, its folder as the working directory, hooks reported,
/// Python errors with their line; and without python3, the plain-assignment reader and what it says.
/// </summary>
[TestFixture]
public sealed class PythonConfigTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = new TempDirectory("gunicornet-pyconfig");

    [TearDown]
    public void RemoveTemp() => _temp.Dispose();

    /// <summary>This machine's environment, where python3 is on the PATH, plus <paramref name="extra"/>.</summary>
    private static Dictionary<string, string?> WithPython(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
        Assert.That(PythonRunner.Find(environment["PATH"]), Is.Not.Null, "python3 on the PATH (.ci/run installs it)");
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    private string Write(string text)
    {
        var path = _temp.File("gunicorn.conf.py");
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public void AConfigFromTheWild_IsRunAsGunicornRunsIt()
    {
        var path = Write("""
            import multiprocessing
            import os

            port = int(os.environ.get("APP_PORT", "8000"))
            bind = ["127.0.0.1:" + str(port), "unix:" + os.path.join(os.getcwd(), "app.sock")]
            workers = multiprocessing.cpu_count() * 2 + 1
            timeout = 60 * 2
            graceful_timeout = timeout // 4
            accesslog = "-" if os.environ.get("ACCESS") == "on" else None
            raw_env = ["%s=%s" % (k, v) for k, v in {"A": "1", "B": "2"}.items()]
            print("configured")

            def on_starting(server):
                server.log.info("starting")

            def post_fork(server, worker):
                pass
            """);

        var (config, errors) = CommandLine.Read(["-c", path, "app.dll"], WithPython(("APP_PORT", "9001"), ("ACCESS", "on")));

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Bind), Is.EqualTo(new[] { "127.0.0.1:9001", "unix:" + Path.Combine(_temp.Path, "app.sock") }), "the environment, and the config's folder as the working directory");
        Assert.That(config.Get(Settings.Workers), Is.GreaterThanOrEqualTo(3).And.Matches<int>(w => w % 2 == 1), "cpu_count() * 2 + 1");
        Assert.That(config.Get(Settings.Timeout), Is.EqualTo(120));
        Assert.That(config.Get(Settings.GracefulTimeout), Is.EqualTo(30));
        Assert.That(config.Get(Settings.AccessLog), Is.EqualTo("-"));
        Assert.That(config.Get(Settings.RawEnv), Is.EqualTo(new[] { "A=1", "B=2" }));
        Assert.That(config.Warnings, Has.Exactly(1).Contains("line 13: on_starting has no effect here: server hooks"));
        Assert.That(config.Warnings, Has.Exactly(1).Contains("line 16: post_fork has no effect here"));
        Assert.That(config.Warnings, Has.None.Contains("port"), "a helper variable is left alone");
    }

    [Test]
    public void PrintConfig_ShowsTheComputedValues()
    {
        var path = Write("workers = 2 + 1\nbind = ':'.join(['127.0.0.1', '8080'])\n");

        var (config, errors) = CommandLine.Read(["-c", path, "app.dll"], WithPython());

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Lines(), Does.Contain("workers = 3").And.Contain("bind = ['127.0.0.1:8080']"));
    }

    [Test]
    public void ANameLikeASetting_IsWarnedAbout_AndLeftAlone()
    {
        var path = Write("worker = 3\n");

        var (config, errors) = CommandLine.Read(["-c", path, "app.dll"], WithPython());

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Workers), Is.EqualTo(1));
        Assert.That(config.Warnings, Has.Exactly(1).Contains("'worker' is no setting, and is left alone as gunicorn leaves it; did you mean 'workers'?"));
    }

    [TestCase("workers = 2\ntimeout = 1 / 0\n", "line 2: ZeroDivisionError: division by zero")]
    [TestCase("workers = (\n", "line 1: SyntaxError:")]
    [TestCase("import no_such_module\n", "line 1: ModuleNotFoundError: No module named 'no_such_module'")]
    [TestCase("workers = object()\n", "workers: a object is no setting's value")]
    public void APythonError_IsOneLine_WithTheFileAndLine(string text, string expected)
    {
        var path = Write(text);

        var (config, errors) = CommandLine.Read(["-c", path, "app.dll"], WithPython());

        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith($"config file '{path}' {expected}"));
        Assert.That(errors[0], Does.Not.Contain("\n"));
    }

    [Test]
    public void AComputedValueOutOfRange_IsRefused_WithItsLine()
    {
        var path = Write("base = 1\nworkers = base - 1\n");

        var (config, errors) = CommandLine.Read(["-c", path, "app.dll"], WithPython());

        Assert.That(config, Is.Null);
        Assert.That(errors, Is.EqualTo(new[] { $"config file '{path}' line 2: workers: must be at least 1" }));
    }

    [Test]
    public void WithoutPython_ThePlainAssignments_AreRead_AndTheErrorSaysPythonReadsTheRest()
    {
        var plain = Write("workers = 3\nbind = '127.0.0.1:8080'\n");
        var noPython = new Dictionary<string, string?> { ["PATH"] = _temp.Path };

        var (config, errors) = CommandLine.Read(["-c", plain, "app.dll"], noPython);
        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Workers), Is.EqualTo(3));

        var computed = Write("import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n");
        (config, errors) = CommandLine.Read(["-c", computed, "app.dll"], noPython);
        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith($"config file '{computed}' line 2: workers: the value must be a string, a number"));
        Assert.That(errors[0], Does.EndWith("with python3 on the PATH, Gunicornet runs the config as gunicorn does, and reads any Python"));
    }

    [Test]
    public void ThePlainConfigs_ReadTheSame_WithPythonAndWithout()
    {
        var path = Write("""
            bind = ["127.0.0.1:5000", "unix:/tmp/app.sock"]
            workers = 3
            umask = 0o027
            secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
            loglevel = "DEBUG"
            accesslog = None
            """);

        var (run, runErrors) = CommandLine.Read(["-c", path, "app.dll"], WithPython());
        var (read, readErrors) = CommandLine.Read(["-c", path, "app.dll"], new Dictionary<string, string?> { ["PATH"] = _temp.Path });

        Assert.That(runErrors, Is.Empty);
        Assert.That(readErrors, Is.Empty);
        Assert.That(run!.Lines(), Is.EqualTo(read!.Lines()));
    }
}
