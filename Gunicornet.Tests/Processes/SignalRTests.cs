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
}
