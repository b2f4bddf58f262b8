using Gunicornet.Config;
using Gunicornet.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Tests.Config;

/// <summary>
/// A gunicorn user's command line and config file keep working: gunicorn's settings with no meaning
/// here start the server with one warning each, a typo is an error that names the closest setting,
/// values are read as gunicorn reads them, and every error says what, where and what is allowed.
/// </summary>
[TestFixture]
public sealed class GunicornHabitsTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = new TempDirectory("gunicornet-habits");

    [TearDown]
    public void RemoveTemp() => _temp.Dispose();

    [Test]
    public void GunicornOnlyFlags_StartWithOneWarningEach()
    {
        var (config, errors) = CommandLine.Read(["-k", "gevent", "--threads", "4", "--preload", "--worker-tmp-dir", "/dev/shm", "-w", "3", "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Workers), Is.EqualTo(3));
        Assert.That(config.App, Is.EqualTo("app.dll"), "a flag's value is not taken for APP");
        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            "--preload has no effect here: workers are spawned, not forked (a running .NET runtime cannot fork): each loads the app itself, so there is nothing to load before them",
            "-k has no effect here: every worker is Kestrel on the .NET thread pool, which sizes itself",
            "--threads has no effect here: every worker is Kestrel on the .NET thread pool, which sizes itself",
            "--worker-tmp-dir has no effect here: a worker's liveness comes through its pipe to the master, not a temporary file",
        }));
    }

    [Test]
    public void GunicornOnlyFlags_InTheEnvironmentVariable_AreWarnedAboutWithItsName()
    {
        var (config, errors) = CommandLine.Read(["app.dll"], new Dictionary<string, string?> { ["GUNICORNET_CMD_ARGS"] = "--worker-class sync" });

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Warnings, Has.One.StartWith("GUNICORNET_CMD_ARGS: --worker-class has no effect here: "));
    }

    [Test]
    public void AGunicornConfigFile_WithHooksImportsAndGunicornOnlySettings_IsRead_WithAWarningEach()
    {
        var file = _temp.File("gunicorn.conf.py");
        File.WriteAllText(file, """
            import multiprocessing
            from os import environ

            bind = "0.0.0.0:5000"
            workers = 3
            worker_class = "uvicorn.workers.UvicornWorker"
            preload_app = True

            @some_decorator
            def on_starting(server):
                server.log.info("starting")
                if server:
                    pass

            def post_fork(server, worker): pass
            loglevel = "DEBUG"
            """);

        var (config, errors) = CommandLine.Read(["-c", file, "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Bind), Is.EqualTo(new[] { "0.0.0.0:5000" }));
        Assert.That(config.Get(Settings.Workers), Is.EqualTo(3));
        Assert.That(config.Get(Settings.LogLevel), Is.EqualTo("debug"), "after the hooks' bodies, reading goes on");
        Assert.That(config.Warnings.Select(w => w[..w.IndexOf(" has no effect", StringComparison.Ordinal)]), Is.EqualTo(new[]
        {
            $"config file '{file}' line 6: worker_class",
            $"config file '{file}' line 7: preload_app",
            $"config file '{file}' line 10: on_starting",
            $"config file '{file}' line 15: post_fork",
        }));
    }

    [Test]
    public void AFunctionThatIsNoHook_IsAnErrorNamingItsLine()
    {
        var file = _temp.File("conf.py");
        File.WriteAllText(file, "def helper(x):\n    return x\n");

        var (_, errors) = CommandLine.Read(["-c", file, "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.EqualTo(new[] { $"config file '{file}' line 1: def helper: a Python function that is no gunicorn server hook; Gunicornet runs no Python" }));
    }

    [TestCase("wokers = 3", "unknown setting 'wokers'; did you mean 'workers'?")]
    [TestCase("graceful_timout = 3", "unknown setting 'graceful_timout'; did you mean 'graceful_timeout'?")]
    [TestCase("frobnicate = 3", "unknown setting 'frobnicate'")]
    public void ATypoInAConfigFile_IsAnError_NamingTheClosestSetting(string line, string error)
    {
        var file = _temp.File("conf.py");
        File.WriteAllText(file, line + "\n");

        var (_, errors) = CommandLine.Read(["-c", file, "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.EqualTo(new[] { $"config file '{file}' line 1: {error}" }));
    }

    [TestCase("Unrecognized command or argument '--wokers'.", "unknown option '--wokers'; did you mean '--workers'? (see gunicornet --help)")]
    [TestCase("Unrecognized option '--acess-logfile'", "unknown option '--acess-logfile'; did you mean '--access-logfile'? (see gunicornet --help)")]
    [TestCase("Unrecognized command or argument '--frobnicate'.", "unknown option '--frobnicate' (see gunicornet --help)")]
    [TestCase("Unrecognized command or argument 'b.dll'.", "unexpected argument 'b.dll': APP is given once, after the options (see gunicornet --help)")]
    [TestCase("Required argument missing for option: '-w'.", "-w needs a value (see gunicornet --help)")]
    [TestCase("--workers: must be at least 1", "--workers: must be at least 1")]
    public void ParserErrors_ReadInOneStyle(string parserError, string said) =>
        Assert.That(UsageErrors.Describe(parserError), Is.EqualTo(said));

    [TestCase("DEBUG", "debug")]
    [TestCase("Warning", "warning")]
    [TestCase("critical", "critical")]
    public void TheLogLevel_IsReadInAnyCase(string level, string expected)
    {
        var (config, errors) = CommandLine.Read(["--log-level", level, "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.LogLevel), Is.EqualTo(expected));
    }

    [TestCase(new[] { "--log-level", "loud", "app.dll" }, "--log-level: 'loud' is not a log level: debug, info, warning, error or critical")]
    [TestCase(new[] { "--workers", "abc", "app.dll" }, "--workers: 'abc' is not a whole number")]
    [TestCase(new[] { "--timeout", "1.5", "app.dll" }, "--timeout: '1.5' is not a whole number")]
    public void ABadValue_SaysWhatTheOptionTakes(string[] args, string error)
    {
        var (_, errors) = CommandLine.Read(args, new Dictionary<string, string?>());

        Assert.That(errors, Is.EqualTo(new[] { error }));
    }

    [Test]
    public void AConfigPathThatIsADirectory_IsCalledADirectory()
    {
        var (_, errors) = CommandLine.Read(["-c", _temp.Path, "app.dll"], new Dictionary<string, string?>());

        Assert.That(errors, Is.EqualTo(new[] { $"--config: '{_temp.Path}' is a directory: name the config file in it" }));
    }

    [Test]
    public void WithoutDashC_TheDefaultConfigFile_IsReadWhenItExists()
    {
        var file = _temp.File("gunicorn.conf.py");
        var (before, _) = CommandLine.Read(["app.dll"], new Dictionary<string, string?>(), file);
        File.WriteAllText(file, "workers = 4\n");
        var (after, _) = CommandLine.Read(["app.dll"], new Dictionary<string, string?>(), file);
        var (named, _) = CommandLine.Read(["-c", Path.Combine(_temp.Path, "other.py"), "app.dll"], new Dictionary<string, string?>(), file);

        Assert.That(before!.Get(Settings.Workers), Is.EqualTo(1), "none there: the defaults");
        Assert.That(after!.Get(Settings.Workers), Is.EqualTo(4), "read when it exists");
        Assert.That(named, Is.Null, "a -c of its own wins (here, a missing one)");
    }

    [Test]
    public void Modes_ArePrintedInOctal_AndReadBack()
    {
        var (config, _) = CommandLine.Read(["--control-socket-mode", "640", "-m", "0o22", "app.dll"], new Dictionary<string, string?>());
        var printed = config!.Lines().Where(l => l.StartsWith("control_socket_mode", StringComparison.Ordinal) || l.StartsWith("umask", StringComparison.Ordinal)).ToList();
        var file = _temp.File("printed.py");
        File.WriteAllLines(file, printed);
        var (again, errors) = CommandLine.Read(["-c", file, "app.dll"], new Dictionary<string, string?>());

        Assert.That(printed, Is.EquivalentTo(new[] { "control_socket_mode = 0o640", "umask = 0o22" }));
        Assert.That(errors, Is.Empty);
        Assert.That((again!.Get(Settings.ControlSocketMode), again.Get(Settings.Umask)), Is.EqualTo((0x1A0, 0x12)));
    }

    [Test]
    public void TheHelpSummaries_AreWholeSentences()
    {
        Assert.That(Setting.Summary("Another file (e.g. appsettings.json outside it); repeatable. Defaults to none."), Is.EqualTo("Another file (e.g. appsettings.json outside it); repeatable."));
        Assert.That(Setting.Summary("A file: JSON (e.g. {\"workers\": 3}), or i.e. a .py one. More."), Is.EqualTo("A file: JSON (e.g. {\"workers\": 3}), or i.e. a .py one."));
    }
}
