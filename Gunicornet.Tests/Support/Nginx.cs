using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>
/// A real nginx for a test, with a site the test renders. The test owns nginx's socket: it binds
/// 127.0.0.1:0 itself and hands it over through nginx's own NGINX variable (as nginx's binary upgrade
/// does), so no port is guessed.
/// </summary>
internal static class Nginx
{
    /// <summary>
    /// Starts nginx in <paramref name="temp"/> with the site <paramref name="site"/> renders for the
    /// port it listens on; returns once <paramref name="answers"/> says it answers (bounded).
    /// </summary>
    public static async Task<(Process Nginx, Uri Url)> Start(TempDirectory temp, Func<int, string> site, Func<Uri, CancellationToken, Task<bool>> answers)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        File.WriteAllText(temp.File("site.conf"), site(port));
        File.WriteAllText(temp.File("nginx.conf"), $$"""
            user root;
            daemon off;
            pid {{temp.File("nginx.pid")}};
            error_log {{temp.File("error.log")}} notice;
            events { }
            http {
                include /etc/nginx/mime.types;
                access_log {{temp.File("access.log")}};
                client_body_temp_path {{temp.File("body")}};
                proxy_temp_path {{temp.File("proxy")}};
                include {{temp.File("site.conf")}};
            }
            """);
        var (check, output) = await Command.Run(CancellationToken.None, "nginx", "-t", "-c", temp.File("nginx.conf"), "-p", temp.Path);
        Assert.That(check, Is.EqualTo(0), "nginx -t: " + output);

        var fd = (int)listener.SafeHandle.DangerousGetHandle();
        var start = new ProcessStartInfo("nginx", ["-c", temp.File("nginx.conf"), "-p", temp.Path]) { RedirectStandardError = true };
        start.Environment["NGINX"] = $"{fd};";
        var nginx = Inheriting.Start(start, fd);

        var url = new Uri($"http://127.0.0.1:{port}");

        // Ready when it answers: a request waits in the socket's backlog until nginx accepts it.
        await Wait.Until(
            () =>
            {
                if (nginx.HasExited)
                {
                    Assert.Fail($"nginx exited: {nginx.StandardError.ReadToEnd()}");
                }

                try
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    return answers(url, quick.Token).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or Grpc.Core.RpcException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20),
            "nginx to answer",
            CancellationToken.None,
            () => ErrorLog(temp));
        return (nginx, url);
    }

    /// <summary>nginx's error log so far.</summary>
    public static string ErrorLog(TempDirectory temp) => File.Exists(temp.File("error.log")) ? File.ReadAllText(temp.File("error.log")) : "(none)";

    /// <summary>
    /// Stops a test's nginx: TERM, on which its master stops its workers before it exits (a KILL
    /// would leave them running, orphaned, on their socket); KILL only if it does not exit in time.
    /// </summary>
    public static async Task Stop(Process? nginx)
    {
        if (nginx is not { HasExited: false })
        {
            return;
        }

        Signals.Send(nginx.Id, Signal.Term);
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await nginx.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
        }
    }
}
