using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// The drain of a retiring worker (DESIGN §7): it stops accepting but keeps its keep-alive
/// connections, answers the next request on each with <c>Connection: close</c>, and leaves when they are gone.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class DrainTests
{
    [Test]
    public async Task ARetiringWorker_AnswersTheNextRequestOnAnIdleConnection_WithConnectionClose(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--keep-alive", "20");
        await using var _ = server;
        var old = server.LiveWorkers().Single();
        using var connection = await Connect(url.Port, ct);
        var reader = new HttpResponseReader(connection);
        Assert.That(await Get(connection, reader, "/pid"), Is.EqualTo((200, false, Pid(old))));

        server.Signal(Signal.Hup);
        await server.WaitForReload(2, ct);

        // The master has told the old worker to stop; wait until it has begun to drain.
        await server.WaitForLine(new Regex($@"\[{old}\] \[DEBUG\] Draining: stopped accepting; 1 connections open"), ct);

        // Kestrel's own stop would have closed this idle connection at once; the drain keeps it.
        Assert.That(ProcessInfo.IsAlive(old), Is.True, "the old worker waits for its connection");
        Assert.That(await Get(connection, reader, "/pid"), Is.EqualTo((200, true, Pid(old))), "served by the old worker, with Connection: close");
        await Wait.Until(() => !ProcessInfo.IsAlive(old), TimeSpan.FromSeconds(10), "the old worker to leave once its connection closed", ct, () => server.Output);
        Assert.That((await Http.Get(url, "/pid", ct)).Body, Is.Not.EqualTo(Pid(old)));
    }

    [Test]
    public async Task AConnectionThatStaysIdle_IsClosedAtTheKeepAliveTimeout_ThenTheWorkerLeaves(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--keep-alive", "2");
        await using var _ = server;
        var old = server.LiveWorkers().Single();
        using var connection = await Connect(url.Port, ct);
        var reader = new HttpResponseReader(connection);
        await Get(connection, reader, "/");

        server.Signal(Signal.Ttin);
        await server.WaitForReady(2, ct);
        server.Signal(Signal.Ttou);

        var buffer = new byte[16];
        Assert.That(await connection.ReceiveAsync(buffer, SocketFlags.None, ct), Is.Zero, "closed by the server, without a response");
        await Wait.Until(() => !ProcessInfo.IsAlive(old), TimeSpan.FromSeconds(10), "the old worker to leave", ct, () => server.Output);
        Assert.That(server.Output, Does.Not.Contain("outlived the graceful timeout"));
    }

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    private static async Task<Socket> Connect(int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        return socket;
    }

    private static async Task<(int Status, bool Close, string Body)> Get(Socket socket, HttpResponseReader reader, string path)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"));
        return await reader.ReadAsync();
    }
}
