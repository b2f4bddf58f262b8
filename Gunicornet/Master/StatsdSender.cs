using System.Net;
using System.Net.Sockets;
using System.Text;
using Gunicornet.Config;
using Gunicornet.Logging;

namespace Gunicornet.Master;

/// <summary>
/// <c>--statsd-host</c>: every second, the master sends what the pool did since the last time to a
/// statsd server, as gunicorn does (its metric names, <c>--statsd-prefix</c>, <c>--dogstatsd-tags</c>).
/// Datagrams, non-blocking: a statsd server that is down or slow loses figures, never time.
/// </summary>
internal sealed class StatsdSender : IDisposable
{
    private readonly Socket _socket;
    private readonly EndPoint _target;
    private readonly string _prefix;
    private readonly string _tags;
    private readonly Arbiter _arbiter;
    private readonly LogCounts _logs;
    private readonly CancellationTokenSource _stop = new();

    private StatsdSender(Socket socket, EndPoint target, string prefix, string tags, Arbiter arbiter, LogCounts logs)
    {
        _socket = socket;
        _target = target;
        _prefix = prefix;
        _tags = tags;
        _arbiter = arbiter;
        _logs = logs;
    }

    /// <summary>Starts sending to <see cref="Settings.StatsdHost"/>, or returns null when it is not set.</summary>
    public static StatsdSender? Start(ServerConfig config, Arbiter arbiter, LogCounts logs)
    {
        if (config.Get(Settings.StatsdHost) is not { } host || !BindAddress.TryParse(host, out var address, out _))
        {
            return null;
        }

        var (socket, target) = address!.Kind == BindKind.Unix
            ? (new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified), (EndPoint)new UnixDomainSocketEndPoint(address.Path!))
            : Udp(address.Host, address.Port);
        socket.Blocking = false;
        var prefix = config.Get(Settings.StatsdPrefix) is { Length: > 0 } given ? given.TrimEnd('.') + "." : "gunicorn.";
        var tags = config.Get(Settings.DogstatsdTags) is { Length: > 0 } list ? "|#" + string.Join(',', list.Split(',', StringSplitOptions.TrimEntries)) : "";
        var sender = new StatsdSender(socket, target, prefix, tags, arbiter, logs);
        _ = sender.RunAsync();
        return sender;
    }

    private static (Socket, EndPoint) Udp(string host, int port)
    {
        var ip = IPAddress.TryParse(host, out var literal) ? literal : Dns.GetHostAddresses(host).First();
        return (new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp), new IPEndPoint(ip, port));
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var lines = await _arbiter.InLoop(() => _arbiter.Metrics.StatsdLines(_prefix, _arbiter.Workers, _logs.Read())).ConfigureAwait(false);

                // One datagram a second, its metrics one per line (as statsd reads them), well under a UDP packet.
                Send(string.Join('\n', lines.Select(line => line + _tags)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Stopping, or the loop is busy stopping.
        }
    }

    private void Send(string line)
    {
        try
        {
            _socket.SendTo(Encoding.ASCII.GetBytes(line), _target);
        }
        catch (SocketException)
        {
            // Nobody there, or its buffer full: the figure is lost, serving goes on.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
