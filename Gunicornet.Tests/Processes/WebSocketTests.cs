using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// WebSockets through reloads, recycling and stops: the retiring worker sends each a close frame
/// (1012 Service Restart while the pool goes on, 1001 Going Away when it stops) at the start of its
/// drain, the app sees the client's close as any other, and a reconnect lands on the new generation.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class WebSocketTests
{
    private static readonly string App = Paths.TestApp("testapp") + ":ResponsePathsApp";

    private static async Task<ClientWebSocket> Open(Uri url, CancellationToken ct, bool http2 = false)
    {
        var socket = new ClientWebSocket();
        if (!http2)
        {
            await socket.ConnectAsync(new Uri($"ws://{url.Authority}/ws-echo"), ct);
            return socket;
        }

        // RFC 8441: an extended CONNECT on an HTTP/2 connection (cleartext, by prior knowledge).
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await socket.ConnectAsync(new Uri($"ws://{url.Authority}/ws-echo"), invoker, ct);
        return socket;
    }

    /// <summary>Sends <paramref name="text"/>; returns the echo's worker PID.</summary>
    private static async Task<int> Echo(ClientWebSocket socket, string text, CancellationToken ct)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, ct);
        var reply = Encoding.UTF8.GetString(buffer, 0, received.Count).Split(':', 2);
        Assert.That(reply[1], Is.EqualTo(text));
        return int.Parse(reply[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (bounded) for the server's close frame and answers it as a client should; returns its status, description and when it came.</summary>
    private static async Task<(int? Status, string? Description)> AwaitClose(ClientWebSocket socket, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        var received = await socket.ReceiveAsync(new byte[1024], bounded.Token);
        Assert.That(received.MessageType, Is.EqualTo(WebSocketMessageType.Close), "a close frame, not a bare end of the connection");
        await socket.CloseOutputAsync(received.CloseStatus!.Value, "ok", ct);
        return ((int?)received.CloseStatus, received.CloseStatusDescription);
    }

    private static int Count(ServerProcess server, string pattern) => Regex.Matches(server.Output, pattern).Count;

    [Test]
    public async Task AHup_ClosesTheWebSocketWith1012_TheAppSeesIt_AndAReconnectLandsOnTheNewGeneration(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--graceful-timeout", "60");
        await using var owner = server;
        using var socket = await Open(url, ct);
        var before = await Echo(socket, "hello", ct);

        var clock = Stopwatch.StartNew();
        server.Signal(Signal.Hup);
        var close = await AwaitClose(socket, ct);

        Assert.That(close, Is.EqualTo(((int?)1012, "server restarting")));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "at the start of the drain, not at --graceful-timeout (60 s)");
        await Wait.Until(() => server.Output.Contains("ws-echo saw the close: 1012", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the app to see the close", ct, () => server.Output);
        await server.WaitForReload(2, ct);

        using var again = await Open(url, ct);
        var after = await Echo(again, "again", ct);
        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(server.ReadyGenerations.GetValueOrDefault(after), Is.EqualTo(2), "the reconnect is served by the new generation");
        await again.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
    }

    [Test]
    public async Task OverHttp2_AHup_ClosesTheWebSocketWith1012(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--graceful-timeout", "60", "--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge");
        await using var owner = server;
        using var socket = await Open(url, ct, http2: true);
        Assert.That(socket.HttpStatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), "an HTTP/2 WebSocket is accepted with 200, not 101");
        await Echo(socket, "over h2", ct);

        server.Signal(Signal.Hup);

        Assert.That(await AwaitClose(socket, ct), Is.EqualTo(((int?)1012, "server restarting")));
        await Wait.Until(() => server.Output.Contains("ws-echo saw the close: 1012", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the app to see the close", ct, () => server.Output);
    }

    [Test]
    public async Task StoppingTheMaster_ClosesTheWebSocketWith1001(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--graceful-timeout", "60");
        await using var owner = server;
        using var socket = await Open(url, ct);
        await Echo(socket, "hello", ct);

        server.Signal(Signal.Term);

        Assert.That(await AwaitClose(socket, ct), Is.EqualTo(((int?)1001, "server going away")));
        Assert.That(await server.WaitForExit(ct), Is.EqualTo(0));
    }

    [Test]
    public async Task MaxRequests_CountsAWebSocketOnce_SoAWorkerHoldingOnlyWebSocketsIsRecycled(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--max-requests", "3", "--graceful-timeout", "60");
        await using var owner = server;

        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sockets.Add(await Open(url, ct));
                await Echo(sockets[^1], $"socket {i}", ct);
            }

            // Three WebSockets open, no request finished: the worker has served its three.
            await Wait.Until(() => Count(server, "Autorestarting worker") >= 1, TimeSpan.FromSeconds(20), "the worker to be recycled", ct, () => server.Output);
            foreach (var socket in sockets)
            {
                Assert.That((await AwaitClose(socket, ct)).Status, Is.EqualTo(1012));
            }
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
