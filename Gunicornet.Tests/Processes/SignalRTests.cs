using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// SignalR across workers: a client negotiates with one worker and opens its WebSocket to whichever
/// the kernel picks; every connection must start and work.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class SignalRTests
{
    [Test]
    public async Task TwentyClientsOfFourWorkers_AllConnectOverWebSockets_AndEcho(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp") + ":SignalRApp", workers: 4, ct);
        await using var _ = server;

        var holders = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            await using var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(url, "/hub"), HttpTransportType.WebSockets, options => options.HttpMessageHandlerFactory = _ => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
                .Build();
            await connection.StartAsync(ct);
            var answer = await connection.InvokeAsync<string>("Echo", $"hello {i}", ct);
            Assert.That(answer, Does.StartWith($"hello {i} "));
            holders.Add(answer.Split(' ')[^1]);
        }

        Assert.That(holders, Has.Count.GreaterThan(1), "connections held by several workers");
    }

    [Test]
    public async Task AHup_ClosesTheHubsWebSocket_AndTheClientReconnectsToTheNewGeneration_BeforeTheGracefulTimeout(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp") + ":SignalRApp", workers: 2, ct, "--graceful-timeout", "60");
        await using var _ = server;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(url, "/hub"), HttpTransportType.WebSockets)
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)])
            .Build();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await connection.StartAsync(ct);
        var before = (await connection.InvokeAsync<string>("Echo", "before", ct)).Split(' ')[^1];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        server.Signal(Posix.Signal.Hup);
        await server.WaitForReload(2, ct);
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the retiring worker closed the WebSocket at once, not at --graceful-timeout (60 s)");
        var after = (await connection.InvokeAsync<string>("Echo", "after", ct)).Split(' ')[^1];
        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(server.ReadyGenerations.GetValueOrDefault(int.Parse(after, System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(2));
    }
}
