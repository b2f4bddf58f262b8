using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Gunicornet.Tests.Support;

/// <summary>A stand-in for systemd's notify socket: a unix datagram socket that keeps every message.</summary>
internal sealed class FakeNotifySocket : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;

    public FakeNotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _receiver = Task.Run(ReceiveAsync);
    }

    /// <summary>The socket's path, for <c>NOTIFY_SOCKET</c>.</summary>
    public string Path { get; }

    /// <summary>Every datagram received, in order.</summary>
    public ConcurrentQueue<string> Messages { get; } = new();

    /// <summary>True when at least <paramref name="times"/> messages contain <paramref name="text"/>.</summary>
    public bool Got(string text, int times = 1) => Messages.Count(m => m.Contains(text, StringComparison.Ordinal)) >= times;

    /// <inheritdoc />
    public override string ToString() => string.Join("\n--\n", Messages);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(_receiver);
        _socket.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                Messages.Enqueue(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
