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
    public string ErrorLog => Nginx.ErrorLog(_temp);

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

        (_nginx, Url) = await Nginx.Start(
            _temp,
            port => Render(File.ReadAllText(layout.Site), port, ports, layout.Static),
            async (url, ct) => (await Http.Get(url, "/api/v1/status", ct)).Status == 200);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Nginx.Stop(_nginx);

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

        Assert.That(rendered, Does.Not.Match(@"(?m)^[^#]*127\.0\.0\.1:500[0-3]\b"), "every app address was rendered");
        return rendered;
    }
}
