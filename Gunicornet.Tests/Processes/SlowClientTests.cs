using System.Net;
using System.Net.Sockets;
using System.Text;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// Slow clients (slowloris: a header a byte at a time; a body a byte at a time) hold a connection,
/// not a worker: others are served meanwhile, and Kestrel's header timeout and minimum body data
/// rate cut the slow ones off with a 408.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class SlowClientTests
{
    private const int SlowClients = 200;

    [Test]
    public async Task Slowloris_HoldsNoWorker_AndIsCutOffAtTheHeaderTimeout(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--header-timeout", "6");
        await using var _ = server;

        await AssertServedMeanwhile_ThenCutOff(url, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", ct);
    }

    [Test]
    public async Task TheHeaderTimeout_IsTheOneConfigured_AndTheAnswerIs408(CancellationToken ct)
    {
        // 3 s, against the default of 30: a cut-off in seconds shows the setting applies.
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--header-timeout", "3");
        await using var _ = server;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "), SocketFlags.None, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var trickle = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await socket.SendAsync("a"u8.ToArray(), SocketFlags.None, stop.Token);
                    await Task.Delay(200, stop.Token);
                }
            },
            stop.Token);

        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await trickle.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.That(Encoding.ASCII.GetString(buffer, 0, received), Does.StartWith("HTTP/1.1 408 "), "a 408, not a bare close");
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2.9)).And.LessThan(TimeSpan.FromSeconds(12)), "cut off at the 3 s configured (Kestrel checks once a second), far before the default's 30 s");
    }

    [Test]
    public async Task ASlowBody_HoldsNoWorker_AndIsCutOffBelowTheMinimumDataRate(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp") + ":TestApp.EchoApp", workers: 1, ct);
        await using var _ = server;

        // 10 bytes a second of a 100 kB body; Kestrel wants 240 bytes a second after a 5 s grace.
        await AssertServedMeanwhile_ThenCutOff(url, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", ct);
    }

    /// <summary>
    /// Starts the slow clients with <paramref name="start"/>; 50 ordinary requests, each on a new
    /// connection, are served while every slow one is still open; then each slow one gets a 408.
    /// </summary>
    private static async Task AssertServedMeanwhile_ThenCutOff(Uri url, string start, CancellationToken ct)
    {
        await using var slow = await Trickle.Start(url.Port, SlowClients, start, ct);
        await Wait.Until(() => slow.BytesSent >= SlowClients * 3L, TimeSpan.FromSeconds(10), "the slow clients under way", ct);
        for (var i = 0; i < 50; i++)
        {
            Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200), $"ordinary request {i}");
        }

        Assert.That(slow.Open, Is.EqualTo(SlowClients), "every slow client was still sending while the others were served");
        var outcomes = await slow.Outcomes(TimeSpan.FromSeconds(30), ct);
        TestContext.Out.WriteLine(Describe(outcomes));
        Assert.That(outcomes.Keys, Is.EqualTo(new[] { "408" }), "every slow client got the 408 the README promises: " + Describe(outcomes));
    }

    private static string Describe(Dictionary<string, int> outcomes) => string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}"));

    /// <summary>Connections that send a start, then one byte every 100 ms until the server ends them.</summary>
    private sealed class Trickle : IAsyncDisposable
    {
        private readonly List<Socket> _sockets;
        private readonly Task<string>[] _readers;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sender;
        private long _sent;
        private int _open;

        private Trickle(List<Socket> sockets)
        {
            _sockets = sockets;
            _open = sockets.Count;
            _readers = sockets.Select(ReadToEnd).ToArray();
            _sender = Task.Run(SendAsync);
        }

        public long BytesSent => Interlocked.Read(ref _sent);

        /// <summary>Connections the server has not ended yet.</summary>
        public int Open => Volatile.Read(ref _open);

        public static async Task<Trickle> Start(int port, int count, string start, CancellationToken ct)
        {
            var sockets = new List<Socket>();
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                await socket.SendAsync(Encoding.ASCII.GetBytes(start), SocketFlags.None, ct);
                sockets.Add(socket);
            }

            return new Trickle(sockets);
        }

        /// <summary>How each connection ended: the status it got, or "closed" without one.</summary>
        public async Task<Dictionary<string, int>> Outcomes(TimeSpan within, CancellationToken ct)
        {
            var all = await Task.WhenAll(_readers).WaitAsync(within, ct);
            return all.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _sender;
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _stop.Dispose();
        }

        private async Task SendAsync()
        {
            var one = "a"u8.ToArray();
            while (!_stop.IsCancellationRequested && Open > 0)
            {
                foreach (var socket in _sockets)
                {
                    try
                    {
                        if (socket.Send(one, SocketFlags.None) == 1)
                        {
                            Interlocked.Increment(ref _sent);
                        }
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        // Ended by the server; its reader tells how.
                    }
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task<string> ReadToEnd(Socket socket)
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref _open);
            }

            var text = received.ToString();
            return text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? text.Substring(9, 3) : text.Length == 0 ? "closed" : "garbage: " + text[..Math.Min(40, text.Length)];
        }
    }
}
