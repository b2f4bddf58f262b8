using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// The deployment of AIRBNB.md: the kit's nginx configuration (rendered for the test's socket and
/// ports) in front of the four apps under gunicornet, checked with the original project's requests.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class NginxDeploymentTests
{
    private readonly List<ServerProcess> _apps = [];
    private TempDirectory _temp = null!;
    private Process? _nginx;
    private HttpClient _client = null!;
    private string _socket = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _temp = new TempDirectory("gunicornet-nginx");
        var database = _temp.File("hbnb.db");
        var ports = new List<int>();
        foreach (var (sample, type) in new[] { ("web_flask", ":HelloRoute"), ("web_flask", ":NumberOddOrEven"), ("api", ""), ("web_dynamic", "") })
        {
            var server = ServerProcess.Start(
                ["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", "--pid", _temp.File($"{sample}{type}.pid"), Paths.Sample(sample) + type],
                new Dictionary<string, string?> { ["HBNB_DATABASE"] = database });
            _apps.Add(server);
            ports.Add((await server.WaitForListening(CancellationToken.None)).Port);
            await server.WaitForReady(2, CancellationToken.None);
        }

        // nginx listens on a unix socket of the test's own: no port to guess.
        var socket = _socket = _temp.File("nginx.sock");
        File.WriteAllText(_temp.File("site.conf"), Render(File.ReadAllText(Path.Combine(Paths.Root, "scripts", "nginx", "hbnb.conf")), socket, ports));
        File.WriteAllText(_temp.File("nginx.conf"), $$"""
            user root;
            daemon off;
            pid {{_temp.File("nginx.pid")}};
            error_log {{_temp.File("error.log")}};
            events { }
            http {
                include /etc/nginx/mime.types;
                access_log {{_temp.File("access.log")}};
                client_body_temp_path {{_temp.File("body")}};
                proxy_temp_path {{_temp.File("proxy")}};
                include {{_temp.File("site.conf")}};
            }
            """);
        var (check, output) = Nginx("-t");
        Assert.That(check, Is.EqualTo(0), "nginx -t: " + output);
        _nginx = Process.Start(new ProcessStartInfo("nginx", ["-c", _temp.File("nginx.conf"), "-p", _temp.Path]) { RedirectStandardError = true })!;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                return new NetworkStream(client, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri("http://hbnb.test"),
        };
        await Wait.Until(() => Accepts(socket), TimeSpan.FromSeconds(10), "nginx to listen", CancellationToken.None, () => File.ReadAllText(_temp.File("error.log")));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill();
            await _nginx.WaitForExitAsync();
        }

        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        _client?.Dispose();
        _temp.Dispose();
    }

    [Test]
    public async Task AirbnbOnepage_SaysHelloWithTheOriginalsHeaders(CancellationToken ct)
    {
        using var response = await _client.GetAsync("/airbnb-onepage/", ct);

        Assert.That(((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)), Is.EqualTo((200, "Hello HBNB!")));
        Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(11));
        Assert.That(response.Headers.GetValues("X-Served-By").Single(), Is.EqualTo(Dns.GetHostName()));
    }

    [TestCase(6, "<H1>Number: 6 is even</H1>")]
    [TestCase(5, "<H1>Number: 5 is odd</H1>")]
    public async Task AirbnbDynamic_NumberOddOrEven(int n, string heading, CancellationToken ct)
    {
        using var response = await _client.GetAsync($"/airbnb-dynamic/number_odd_or_even/{n}", ct);

        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(await response.Content.ReadAsStringAsync(ct), Does.Contain(heading));
    }

    [Test]
    public async Task Api_IsUnderApi(CancellationToken ct)
    {
        using var status = await _client.GetAsync("/api/v1/status", ct);
        using var missing = await _client.GetAsync("/api/v1/states/nope", ct);

        Assert.That(await status.Content.ReadAsStringAsync(ct), Is.EqualTo("""{"status":"OK"}"""));
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task Root_IsTheHbnbPage_AndStaticFilesComeFromNginx(CancellationToken ct)
    {
        var page = await _client.GetStringAsync("/", ct);
        Assert.That(page, Does.Contain("data-step=\"2\"").And.Contain("<p>Holberton School</p>"));

        using var css = await _client.GetAsync("/static/styles/3-header.css", ct);
        Assert.That((int)css.StatusCode, Is.EqualTo(200));
        Assert.That(await css.Content.ReadAsStringAsync(ct), Does.Contain("#api_status"));
        Assert.That(css.Headers.Server.ToString(), Does.StartWith("nginx"), "served by nginx itself");

        Assert.That(await _client.GetStringAsync("/100-hbnb", ct), Does.Contain("data-step=\"100\""));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task TheReloadScript_RunRepeatedlyUnderLoadThroughNginx_LosesNoRequest(CancellationToken ct)
    {
        var script = Path.Combine(Paths.Root, "scripts", "reload-gunicornet");
        var load = KeepAliveLoad.StartUnix(_socket, connections: 8, path: "/");
        await Wait.Until(() => load.Succeeded > 100, TimeSpan.FromSeconds(30), "the load to run", ct, load.ToString);

        for (var i = 0; i < 5; i++)
        {
            var start = new ProcessStartInfo(script, ["--pidfile", _temp.File("web_dynamic.pid")]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var reload = Process.Start(start)!;
            var output = await reload.StandardOutput.ReadToEndAsync(ct) + await reload.StandardError.ReadToEndAsync(ct);
            await reload.WaitForExitAsync(ct);
            Assert.That(reload.ExitCode, Is.EqualTo(0), output);
        }

        await load.StopAsync();
        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(load.Succeeded, Is.GreaterThan(100));
    }

    /// <summary>The kit's file with the test's socket, ports and paths in place of the deployment's.</summary>
    private static string Render(string site, string socket, List<int> apps)
    {
        var rendered = site
            .Replace("listen 80 default_server;", $"listen unix:{socket};", StringComparison.Ordinal)
            .Replace("listen [::]:80 default_server;", "", StringComparison.Ordinal)
            .Replace("/opt/hbnb/web_dynamic/static/", Path.Combine(Path.GetDirectoryName(Paths.Sample("web_dynamic"))!, "static") + "/", StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            rendered = rendered.Replace($"127.0.0.1:{5000 + i}", $"127.0.0.1:{apps[i]}", StringComparison.Ordinal);
        }

        Assert.That(rendered, Does.Not.Contain("127.0.0.1:500"), "every app address was rendered");
        return rendered;
    }

    private (int Code, string Output) Nginx(params string[] args)
    {
        var start = new ProcessStartInfo("nginx", args.Concat(["-c", _temp.File("nginx.conf"), "-p", _temp.Path])) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static bool Accepts(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
