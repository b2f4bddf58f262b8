using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gunicornet.Tests.Support;

/// <summary>
/// A bounded load of keep-alive clients that never retry (as wrk): each connection sends requests
/// one after another; a response with <c>Connection: close</c> makes it reconnect; any request that
/// gets no complete 2xx response counts as failed. HttpClient is not used: it may retry a request
/// silently on a reused connection, which would hide exactly the losses this must count.
/// </summary>
internal sealed class KeepAliveLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _clients;
    private long _succeeded;
    private long _failed;
    private long _reconnects;

    private KeepAliveLoad(EndPoint endPoint, int connections, string path)
    {
        _clients = Enumerable.Range(0, connections).Select(_ => Task.Run(() => RunAsync(endPoint, path))).ToArray();
    }

    /// <summary>Requests answered with a complete 2xx response.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Requests that failed: connection refused or reset, incomplete or non-2xx response.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Connections the server closed after a response (Connection: close).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Successful responses by body (e.g. by the PID that <c>/pid</c> returns).</summary>
    public ConcurrentDictionary<string, long> Bodies { get; } = new();

    /// <summary>Connections by the body of their first response (e.g. by the PID of the worker that holds them).</summary>
    public ConcurrentDictionary<string, long> ConnectionsByFirstBody { get; } = new();

    /// <summary>The first failures, for the assertion message.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Starts <paramref name="connections"/> clients of 127.0.0.1:<paramref name="port"/>.</summary>
    public static KeepAliveLoad Start(int port, int connections, string path = "/") =>
        new(new IPEndPoint(IPAddress.Loopback, port), connections, path);

    /// <summary>Starts <paramref name="connections"/> clients of <paramref name="endPoint"/>.</summary>
    public static KeepAliveLoad Start(IPEndPoint endPoint, int connections, string path = "/") =>
        new(endPoint, connections, path);

    /// <summary>Starts <paramref name="connections"/> clients of a unix socket.</summary>
    public static KeepAliveLoad StartUnix(string socketPath, int connections, string path = "/") =>
        new(new UnixDomainSocketEndPoint(socketPath), connections, path);

    /// <summary>Stops the clients after their current request.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_clients);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Succeeded} succeeded, {Failed} failed, {Reconnects} reconnects; first failures: {string.Join(" | ", Failures.Take(5))}";

    private async Task RunAsync(EndPoint endPoint, string path)
    {
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: load.test\r\n\r\n");
        while (!_stop.IsCancellationRequested)
        {
            using var socket = endPoint is IPEndPoint
                ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
                : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(endPoint);
            }
            catch (SocketException e)
            {
                Fail($"connect: {e.SocketErrorCode}");
                continue;
            }

            var reader = new HttpResponseReader(socket);
            var first = true;
            while (!_stop.IsCancellationRequested)
            {
                bool close;
                try
                {
                    await socket.SendAsync(request);
                    (var status, close, var body) = await reader.ReadAsync();
                    Bodies.AddOrUpdate(body, 1, (_, n) => n + 1);
                    if (first)
                    {
                        first = false;
                        ConnectionsByFirstBody.AddOrUpdate(body, 1, (_, n) => n + 1);
                    }
                    if (status is < 200 or > 299)
                    {
                        Fail($"status {status}: {body[..Math.Min(body.Length, 300)]}");
                        break;
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or FormatException)
                {
                    Fail(e.Message);
                    break;
                }

                Interlocked.Increment(ref _succeeded);
                if (close)
                {
                    Interlocked.Increment(ref _reconnects);
                    break;
                }
            }
        }
    }

    private void Fail(string why)
    {
        Interlocked.Increment(ref _failed);
        if (Failures.Count < 20)
        {
            Failures.Enqueue(why);
        }
    }
}
