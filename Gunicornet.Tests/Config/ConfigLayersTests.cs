using Gunicornet.Config;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Config;

/// <summary>
/// The layers of the configuration: a config file (JSON or a gunicorn .py), <c>GUNICORNET_CMD_ARGS</c>
/// and the command line, in that order of precedence; and <c>--print-config</c>'s lines.
/// </summary>
[TestFixture]
public sealed class ConfigLayersTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = new TempDirectory("gunicornet-config");

    [TearDown]
    public void RemoveTemp() => _temp.Dispose();

    private string Write(string name, string text)
    {
        File.WriteAllText(_temp.File(name), text);
        return _temp.File(name);
    }

    private static (ServerConfig? Config, List<string> Errors) Read(string[] args, Dictionary<string, string?>? env = null) =>
        CommandLine.Read(args, env ?? []);

    [Test]
    public void AGunicornPyConfig_OfTheProcessAndProxySettings_IsRead()
    {
        var path = Write("gunicorn.conf.py", """
            umask = 0o027
            user = "nobody"
            raw_env = ["A=1", "B=two words"]
            forwarded_allow_ips = "10.0.0.0/8,127.0.0.1"
            secure_scheme_headers = {
                'X-FORWARDED-PROTO': 'https',   # nginx's
                "X-SCHEME": "secure",
            }
            limit_request_line = 0x100
            worker_connections = 50
            """);

        var (config, errors) = Read(["-c", path, "app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Umask), Is.EqualTo(0x17));
        Assert.That(config.Get(Settings.User), Is.EqualTo("nobody"));
        Assert.That(config.Get(Settings.RawEnv), Is.EqualTo(new[] { "A=1", "B=two words" }));
        Assert.That(config.Get(Settings.ForwardedAllowIps), Is.EqualTo("10.0.0.0/8,127.0.0.1"));
        Assert.That(config.Get(Settings.SecureSchemeHeaders), Is.EqualTo(new[] { "X-FORWARDED-PROTO=https", "X-SCHEME=secure" }));
        Assert.That(config.Get(Settings.LimitRequestLine), Is.EqualTo(256));
        Assert.That(config.Get(Settings.WorkerConnections), Is.EqualTo(50));
    }

    [TestCase(new[] { "app.dll" }, "off")]
    [TestCase(new[] { "--proxy-protocol", "app.dll" }, "auto")]
    [TestCase(new[] { "--proxy-protocol", "./app" }, "auto")]
    [TestCase(new[] { "--proxy-protocol", "--workers", "2", "app.dll" }, "auto")]
    [TestCase(new[] { "--workers", "2", "app.dll", "--proxy-protocol" }, "auto")]
    [TestCase(new[] { "--proxy-protocol", "v1", "app.dll" }, "v1")]
    [TestCase(new[] { "--proxy-protocol", "V2", "app.dll" }, "v2")]
    [TestCase(new[] { "--proxy-protocol=off", "app.dll" }, "off")]
    public void ProxyProtocol_AloneMeansAuto_AsGunicorns(string[] args, string expected)
    {
        var (config, errors) = Read(args);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.ProxyProtocol), Is.EqualTo(expected));
        Assert.That(config.App, Does.StartWith("app").Or.StartWith("./app"), "the app is not taken for the flag's value");
    }

    [TestCase("proxy_protocol = True", "auto")]
    [TestCase("proxy_protocol = False", "off")]
    [TestCase("proxy_protocol = \"v2\"", "v2")]
    public void ProxyProtocol_InAGunicornPyConfig_TakesItsOldBooleanToo(string line, string expected)
    {
        var (config, errors) = Read(["-c", Write("gunicorn.conf.py", line + "\nproxy_allow_ips = \"10.0.0.1,192.168.0.0/16\"\n"), "app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.ProxyProtocol), Is.EqualTo(expected));
        Assert.That(config.Get(Settings.ProxyAllowIps), Is.EqualTo("10.0.0.1,192.168.0.0/16"));
    }

    [TestCase(new[] { "--proxy-protocol", "v3", "app.dll" }, "--proxy-protocol: 'v3' is not off, v1, v2 or auto")]
    [TestCase(new[] { "--proxy-allow-from", "10.0.0.300", "app.dll" }, "--proxy-allow-from: '10.0.0.300' is neither an address nor a network")]
    public void ProxySettings_BadValues_AreOneLineErrors(string[] args, string error)
    {
        var (config, errors) = Read(args);

        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Some.StartWith(error));
    }

    [TestCase(new[] { "--http-protocols", "H2, h1", "app.dll" }, "h2,h1")]
    [TestCase(new[] { "app.dll" }, "h1")]
    public void HttpProtocols_AreAnOrderedList(string[] args, string expected)
    {
        var (config, errors) = Read(args);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.HttpProtocols), Is.EqualTo(expected));
    }

    [TestCase(new[] { "--http-protocols", "h1,h3", "app.dll" }, "--http-protocols: 'h3' is not h1 or h2 (HTTP/3 is not served)")]
    [TestCase(new[] { "--http-protocols", "h2,h2", "app.dll" }, "--http-protocols: 'h2,h2' names a protocol twice")]
    [TestCase(new[] { "--http2-cleartext", "sometimes", "app.dll" }, "--http2-cleartext: 'sometimes' is not off, prior-knowledge, upgrade or both")]
    [TestCase(new[] { "--http2-cleartext", "prior-knowledge", "app.dll" }, "--http2-cleartext prior-knowledge needs h2 in --http-protocols")]
    public void HttpSettings_BadValues_AreOneLineErrors(string[] args, string error)
    {
        var (config, errors) = Read(args);

        Assert.That(config, Is.Null);
        Assert.That(errors, Has.Some.StartWith(error));
    }

    [Test]
    public void H2WithoutTlsOrCleartext_IsAWarning()
    {
        var (config, errors) = Read(["--http-protocols", "h1,h2", "app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Warnings, Has.Some.Contains("HTTP/1.1 only is served"));
    }

    [TestCase("022", 0x12)]
    [TestCase("0o22", 0x12)]
    [TestCase("0x12", 0x12)]
    [TestCase("18", 18)]
    [TestCase("0", 0)]
    public void Umask_ReadsOctalAsGunicornAndTheShellWrite(string value, int expected)
    {
        var (config, errors) = Read(["--umask", value, "app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Umask), Is.EqualTo(expected));
    }

    [TestCase(new[] { "--umask", "0o9" }, "--umask: '0o9' is not a mask")]
    [TestCase(new[] { "--umask", "0o1000" }, "must be from 0 to 0o777")]
    [TestCase(new[] { "--forwarded-allow-ips", "10.0.0.0/8,proxy" }, "'proxy' is neither an address nor a network")]
    [TestCase(new[] { "--secure-scheme-header", "X-SSL" }, "'X-SSL' is not HEADER=VALUE")]
    [TestCase(new[] { "--limit-request-line", "9000" }, "must be from 0 to 8190")]
    [TestCase(new[] { "--cert-reqs", "2" }, "need a --certfile")]
    [TestCase(new[] { "--group", "no-such-group-here" }, "no such group 'no-such-group-here'")]
    public void ABadValue_IsRefusedWithItsReason(string[] args, string reason)
    {
        var (config, errors) = Read([.. args, "app.dll"]);

        Assert.That(config, Is.Null);
        Assert.That(string.Join("\n", errors), Does.Contain(reason));
    }

    [Test]
    public void ForwardedAllowIps_DefaultsToTheVariable()
    {
        var (config, _) = Read(["app.dll"], new Dictionary<string, string?> { ["FORWARDED_ALLOW_IPS"] = "*" });

        Assert.That(config!.Get(Settings.ForwardedAllowIps), Is.EqualTo("*"));
    }

    [Test]
    public void AGunicornPyConfig_OfPlainAssignments_IsRead()
    {
        var path = Write("gunicorn.conf.py", """
            # gunicorn.conf.py of a Flask deployment
            bind = [
                "127.0.0.1:5000",      # the proxy's
                'unix:/tmp/app.sock',
            ]
            workers = 3
            timeout = 60.0
            keepalive = 5
            accesslog = "-"
            errorlog = None
            access_log_format = '%(h)s "%(r)s" %(s)s'
            max_requests = 1_000
            backlog = (64)
            """);

        var (config, errors) = Read(["-c", path, "app.dll"]);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Bind), Is.EqualTo(new[] { "127.0.0.1:5000", "unix:/tmp/app.sock" }));
        Assert.That(config.Get(Settings.Workers), Is.EqualTo(3));
        Assert.That(config.Get(Settings.Timeout), Is.EqualTo(60));
        Assert.That(config.Get(Settings.KeepAlive), Is.EqualTo(5));
        Assert.That(config.Get(Settings.AccessLog), Is.EqualTo("-"));
        Assert.That(config.Get(Settings.ErrorLog), Is.EqualTo("-"), "None: the default");
        Assert.That(config.Get(Settings.AccessLogFormat), Is.EqualTo("%(h)s \"%(r)s\" %(s)s"));
        Assert.That(config.Get(Settings.MaxRequests), Is.EqualTo(1000));
        Assert.That(config.Get(Settings.Backlog), Is.EqualTo(64));
    }

    [TestCase("import multiprocessing\nworkers = 2\nprint(workers)\n", "line 3: only 'name = value' assignments are read, not: print(workers)")]
    [TestCase("bind = '127.0.0.1:5000'\nworkers = multiprocessing.cpu_count() * 2 + 1\n", "line 2: workers: the value must be a string, a number, True, False, None, a list of them or a dict, not: multiprocessing.cpu_count() * 2 + 1")]
    [TestCase("\n\nworker_clas = 'gevent'\n", "line 3: unknown setting 'worker_clas'")]
    [TestCase("workers = 'three'\n", "line 1: workers: 'three' is not a whole number")]
    [TestCase("if True:\n    workers = 2\n", "line 1: only 'name = value' assignments are read, not: if True:")]
    public void AnythingElseInAPyConfig_IsAnErrorNamingTheLine(string text, string error)
    {
        var path = Write("gunicorn.conf.py", text);

        var (config, errors) = Read(["-c", path, "app.dll"]);

        Assert.That(config, Is.Null);
        var python = error.Contains(" only 'name = value'", StringComparison.Ordinal) || error.Contains(" the value must be", StringComparison.Ordinal)
            ? "; with python3 on the PATH, Gunicornet runs the config as gunicorn does, and reads any Python"
            : "";
        Assert.That(errors, Is.EqualTo(new[] { $"config file '{path}' {error}{python}" }));
    }

    [Test]
    public void CmdArgs_WinOverTheConfigFile_AndTheCommandLineWinsOverThem()
    {
        var path = Write("conf.json", """{ "workers": 2, "timeout": 10, "backlog": 100 }""");
        var env = new Dictionary<string, string?> { ["GUNICORNET_CMD_ARGS"] = "--workers 4 --timeout 20 --access-logformat '%(h)s %(s)s'" };

        var (config, errors) = Read(["-c", path, "--timeout", "30", "app.dll"], env);

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Backlog), Is.EqualTo(100), "from the file alone");
        Assert.That(config.Get(Settings.Workers), Is.EqualTo(4), "GUNICORNET_CMD_ARGS over the file");
        Assert.That(config.Get(Settings.Timeout), Is.EqualTo(30), "the command line over both");
        Assert.That(config.Get(Settings.AccessLogFormat), Is.EqualTo("%(h)s %(s)s"), "quoted as a shell would");
    }

    [Test]
    public void CmdArgs_MayNameTheConfigFile()
    {
        var path = Write("gunicorn.conf.py", "workers = 3\n");

        var (config, errors) = Read(["app.dll"], new() { ["GUNICORNET_CMD_ARGS"] = $"-c {path}" });

        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.Workers), Is.EqualTo(3));
    }

    [TestCase("--workers zero", "GUNICORNET_CMD_ARGS: --workers: 'zero' is not a whole number")]
    [TestCase("--bogus", "GUNICORNET_CMD_ARGS: Unrecognized option '--bogus'")]
    [TestCase("-w 2 other.dll", "GUNICORNET_CMD_ARGS: holds options only; 'other.dll' is not one (name APP on the command line)")]
    [TestCase("--access-logformat 'unclosed", "GUNICORNET_CMD_ARGS: unclosed ' quote")]
    public void BadCmdArgs_AreErrorsNamingTheVariable(string value, string error)
    {
        var (config, errors) = Read(["app.dll"], new() { ["GUNICORNET_CMD_ARGS"] = value });

        Assert.That(config, Is.Null);
        Assert.That(errors, Does.Contain(error));
    }

    [Test]
    public void PrintConfig_ListsEverySetting_AsAPyConfigThatReadsBackTheSame()
    {
        var (config, errors) = Read(["-b", "127.0.0.1:9000", "-b", "unix:/tmp/it's.sock", "-w", "3", "--access-logfile", "-", "-e", "A=1", "--umask", "0o22", "--print-config", "app.dll"]);
        Assert.That(errors, Is.Empty);
        Assert.That(config!.Get(Settings.PrintConfig), Is.True);
        Assert.That(config.Lines(), Does.Contain("workers = 3").And.Contain("bind = ['127.0.0.1:9000', 'unix:/tmp/it\\'s.sock']").And.Contain("pidfile = None"));
        Assert.That(config.Lines().Select(l => l.Split(' ')[0]), Is.EquivalentTo(Settings.All.Select(s => s.Name).Except(["check_config", "print_config"])));

        var path = Write("printed.conf.py", string.Join("\n", config.Lines().Where(l => !l.StartsWith("config ", StringComparison.Ordinal))));
        var (again, againErrors) = Read(["-c", path, "app.dll"]);

        Assert.That(againErrors, Is.Empty);
        Assert.That(WithoutConfig(again!), Is.EqualTo(WithoutConfig(config)));
    }

    private static List<string> WithoutConfig(ServerConfig c) => c.Lines().Where(l => !l.StartsWith("config ", StringComparison.Ordinal)).ToList();
}
