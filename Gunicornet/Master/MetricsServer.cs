using System.Net.Sockets;
using System.Text;
using Gunicornet.Config;
using Gunicornet.Logging;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>
/// <c>--metrics-bind</c>: the master answers <c>GET /metrics</c> with the pool's metrics on each of
/// its addresses. A few lines of HTTP/1.1 on a socket (one request per connection, then close), so the
/// master loads no web server for a scrape every few seconds.
/// </summary>
internal sealed partial class MetricsServer : IDisposable
{
    private const int MaxHead = 8192;
    private readonly List<Listener> _listeners;
    private readonly Arbiter _arbiter;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();

    private MetricsServer(List<Listener> listeners, Arbiter arbiter, ILogger logger)
    {
        _listeners = listeners;
        _arbiter = arbiter;
        _logger = logger;
    }

    /// <summary>The URLs it serves on.</summary>
    public IReadOnlyList<string> Urls => _listeners.Select(l => l.Url + (l.Url.StartsWith("unix:", StringComparison.Ordinal) ? "" : "/metrics")).ToList();

    /// <summary>Binds every address of <paramref name="binds"/> (at start, before any worker).</summary>
    /// <exception cref="ListenerException">An address cannot be bound.</exception>
    public static List<Listener> Bind(IEnumerable<string> binds)
    {
        var listeners = new List<Listener>();
        try
        {
            foreach (var bind in binds)
            {
                BindAddress.TryParse(bind, out var address, out _);
                listeners.Add(Listener.Bind(address!, 64));
            }
        }
        catch
        {
            listeners.ForEach(l => l.Dispose());
            throw;
        }

        return listeners;
    }

    /// <summary>Starts serving on <paramref name="listeners"/> (from <see cref="Bind"/>), which it then owns.</summary>
    public static MetricsServer Start(List<Listener> listeners, Arbiter arbiter, ILogger logger)
    {
        var server = new MetricsServer(listeners, arbiter, logger);
        foreach (var listener in listeners)
        {
            LogServing(logger, server.Urls[listeners.IndexOf(listener)]);
            _ = AcceptLoop.RunAsync(listener.Socket, server.ServeAsync, server._stop.Token);
        }

        return server;
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var head = await ReadHeadAsync(client, timeout.Token).ConfigureAwait(false);
                var (status, type, body) = head is null ? (400, "text/plain", "bad request\n") : await AnswerAsync(head).ConfigureAwait(false);
                var bytes = Encoding.UTF8.GetBytes(body);
                var isHead = head?.StartsWith("HEAD ", StringComparison.Ordinal) == true;
                var response = $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await client.SendAsync(Encoding.ASCII.GetBytes(response), timeout.Token).ConfigureAwait(false);
                if (!isHead)
                {
                    await client.SendAsync(bytes, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or TimeoutException)
            {
                // The scraper went away, or the loop did not answer in time: nothing to send.
            }
        }
    }

    /// <summary>The request line and header fields, up to the blank line; null when it is not there within the limit.</summary>
    private static async Task<string?> ReadHeadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHead];
        var used = 0;
        while (used < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(used), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            used += read;
            var text = Encoding.ASCII.GetString(buffer, 0, used);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }

        return null;
    }

    private async Task<(int Status, string Type, string Body)> AnswerAsync(string head)
    {
        var line = head[..head.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
        if (line is not [var method, var target, ['H', 'T', 'T', 'P', '/', ..]])
        {
            return (400, "text/plain", "bad request\n");
        }

        if (method is not ("GET" or "HEAD"))
        {
            return (405, "text/plain", "GET /metrics\n");
        }

        if (target.Split('?')[0] != "/metrics")
        {
            return (404, "text/plain", "GET /metrics\n");
        }

        var openMetrics = head.Split("\r\n").Any(h => h.StartsWith("accept:", StringComparison.OrdinalIgnoreCase) && h.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase));
        var text = await _arbiter.InLoop(() => _arbiter.Metrics.Render(_arbiter.Workers, _arbiter.Generation, openMetrics)).ConfigureAwait(false);
        return (200, openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8", text);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Bad Request",
    };

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _listeners.ForEach(l => l.Dispose());
        _stop.Dispose();
    }

    [LoggerMessage(EventId = EventIds.MetricsServing, Level = LogLevel.Information, Message = "Metrics at: {Url}")]
    private static partial void LogServing(ILogger logger, string url);
}
