using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>
/// The deployment of AIRBNB.md for a test: the four HBNB apps under gunicornet behind a real nginx
/// running the kit's site configuration, rendered for the test. The test owns nginx's socket: it binds
/// 127.0.0.1:0 itself and hands it over through nginx's own NGINX variable (as nginx's binary upgrade
/// does), so no port is guessed.
/// </summary>
internal sealed class HbnbDeployment : IAsyncDisposable
{
    private readonly List<ServerProcess> _apps = [];
    private readonly TempDirectory _temp = new("gunicornet-deployment");
    private Process? _nginx;

    /// <summary>nginx's address.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The folder of the rendered configuration, the pidfiles and the logs.</summary>
    public TempDirectory Files => _temp;

    /// <summary>The pidfile of an app's master, e.g. <c>Pid("web_dynamic")</c>.</summary>
    public string PidFile(string sample) => _temp.File(sample + ".pid");

    /// <summary>What an app's master and workers printed so far, e.g. <c>Output("web_dynamic")</c>.</summary>
    public string Output(string sample) => _apps[Array.IndexOf(Samples, sample)].Output;

    /// <summary>nginx's error log so far.</summary>
    public string ErrorLog => File.Exists(_temp.File("error.log")) ? File.ReadAllText(_temp.File("error.log")) : "(none)";

    private static readonly string[] Samples = ["hello", "number", "api", "web_dynamic"];

    /// <summary>Starts the apps (of this checkout: 2 workers each) and nginx in front of them.</summary>
    public static async Task<HbnbDeployment> Start(HbnbLayout? layout = null)
    {
        var deployment = new HbnbDeployment();
        try
        {
            await deployment.StartAsync(layout ?? HbnbLayout.Checkout());
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(HbnbLayout layout)
    {
        var database = layout.Database ?? _temp.File("hbnb.db");
        var ports = new List<int>();
        foreach (var (args, pid) in layout.Apps.Zip(Samples))
        {
            var server = ServerProcess.Start(
                ["-b", "127.0.0.1:0", "--log-level", "debug", "--pid", PidFile(pid), .. args],
                new Dictionary<string, string?> { ["HBNB_DATABASE"] = database },
                layout.Server);
            _apps.Add(server);
            ports.Add((await server.WaitForListening(CancellationToken.None)).Port);
            await server.WaitForReady(HbnbLayout.Workers(args), CancellationToken.None);
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        File.WriteAllText(_temp.File("site.conf"), Render(File.ReadAllText(layout.Site), port, ports, layout.Static));
        File.WriteAllText(_temp.File("nginx.conf"), $$"""
            user root;
            daemon off;
            pid {{_temp.File("nginx.pid")}};
            error_log {{_temp.File("error.log")}} notice;
            events { }
            http {
                include /etc/nginx/mime.types;
                access_log {{_temp.File("access.log")}};
                client_body_temp_path {{_temp.File("body")}};
                proxy_temp_path {{_temp.File("proxy")}};
                include {{_temp.File("site.conf")}};
            }
            """);
        var (check, output) = await Command.Run(CancellationToken.None, "nginx", "-t", "-c", _temp.File("nginx.conf"), "-p", _temp.Path);
        Assert.That(check, Is.EqualTo(0), "nginx -t: " + output);

        var fd = (int)listener.SafeHandle.DangerousGetHandle();
        var start = new ProcessStartInfo("nginx", ["-c", _temp.File("nginx.conf"), "-p", _temp.Path]) { RedirectStandardError = true };
        start.Environment["NGINX"] = $"{fd};";
        FileDescriptors.SetCloseOnExec(fd, closeOnExec: false);
        try
        {
            _nginx = Process.Start(start)!;
        }
        finally
        {
            FileDescriptors.SetCloseOnExec(fd, closeOnExec: true);
        }

        Url = new Uri($"http://127.0.0.1:{port}");

        // Ready when it answers: a request waits in the socket's backlog until nginx accepts it.
        var answered = false;
        await Wait.Until(
            () =>
            {
                if (_nginx.HasExited)
                {
                    Assert.Fail($"nginx exited: {_nginx.StandardError.ReadToEnd()}");
                }

                try
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    answered = Http.Get(Url, "/api/v1/status", quick.Token).GetAwaiter().GetResult().Status == 200;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    answered = false;
                }

                return answered;
            },
            TimeSpan.FromSeconds(20),
            "nginx to answer",
            CancellationToken.None,
            () => ErrorLog);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
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

        _temp.Dispose();
    }

    /// <summary>The kit's file with the test's port, app ports and paths in place of the deployment's.</summary>
    private static string Render(string site, int port, List<int> apps, string staticFiles)
    {
        var rendered = site
            .Replace("listen 80 default_server;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace("listen [::]:80 default_server;", "", StringComparison.Ordinal)
            .Replace("/opt/hbnb/web_dynamic/static/", staticFiles + "/", StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            rendered = rendered.Replace($"127.0.0.1:{5000 + i}", $"127.0.0.1:{apps[i]}", StringComparison.Ordinal);
        }

        Assert.That(rendered, Does.Not.Contain("127.0.0.1:500"), "every app address was rendered");
        return rendered;
    }
}
