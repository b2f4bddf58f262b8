using System.Diagnostics;

namespace Gunicornet.Tests.Support;

/// <summary>
/// Debian's redis-server, started by a test on a unix socket in a private folder (no TCP port, nothing
/// saved), and killed on dispose.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly Process _process;

    private RedisServer(TempDirectory dir, Process process)
    {
        _dir = dir;
        _process = process;
    }

    /// <summary>The socket's path.</summary>
    public string Socket => _dir.File("redis.sock");

    /// <summary>StackExchange.Redis's configuration string for the socket ('!' marks a unix socket's path).</summary>
    public string Configuration => "!" + Socket;

    /// <summary>Starts a server and waits until its socket answers.</summary>
    public static async Task<RedisServer> Start(CancellationToken ct)
    {
        var dir = new TempDirectory("gunicornet-redis");
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", "0", "--unixsocket", dir.File("redis.sock"), "--save", "", "--appendonly", "no", "--dir", dir.Path })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(dir, process);
        await Wait.Until(() => File.Exists(server.Socket) || process.HasExited, TimeSpan.FromSeconds(10), "redis-server's socket", ct);
        Assert.That(process.HasExited, Is.False, "redis-server exited at start");
        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
