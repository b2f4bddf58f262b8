using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gunicornet.Master;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to <c>$NOTIFY_SOCKET</c> (READY, RELOADING, STOPPING,
/// STATUS, MAINPID, WATCHDOG). Does nothing when the master does not run under systemd.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly string? _watchdogUsec;

    private SystemdNotifier(string? path, TimeSpan? watchdog, string? watchdogUsec)
    {
        WatchdogInterval = watchdog;
        SocketPath = string.IsNullOrEmpty(path) ? null : path;
        _watchdogUsec = watchdog is null ? null : watchdogUsec;
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        // '@' names a socket in the abstract namespace.
        _endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>The notify socket's path, when there is one.</summary>
    public string? SocketPath { get; }

    /// <summary>
    /// The variables a new master started by USR2 needs to talk to systemd itself once it is the main
    /// process (MAINPID): the notify socket and the watchdog interval. Workers never get them.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> ForNewMaster()
    {
        if (SocketPath is not null)
        {
            yield return new("NOTIFY_SOCKET", SocketPath);
        }

        if (_watchdogUsec is not null)
        {
            yield return new("WATCHDOG_USEC", _watchdogUsec);
        }
    }

    /// <summary>True when there is a notify socket to talk to.</summary>
    public bool Enabled => _socket is not null;

    /// <summary>How often to ping the watchdog (half of <c>WATCHDOG_USEC</c>), or null when there is none.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>
    /// Reads <c>NOTIFY_SOCKET</c> and <c>WATCHDOG_USEC</c> (honoured when <c>WATCHDOG_PID</c> is unset or
    /// names this process), and removes them from the environment so that workers and apps do not see them.
    /// </summary>
    public static SystemdNotifier FromEnvironment()
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        TimeSpan? watchdog = null;
        var watchdogPid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        var watchdogUsec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec)
            && usec > 0
            && (string.IsNullOrEmpty(watchdogPid) || watchdogPid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            watchdog = TimeSpan.FromTicks(usec * 10 / 2);
        }

        foreach (var name in new[] { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        return new SystemdNotifier(path, watchdog, watchdogUsec);
    }

    /// <summary>The service is up.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    /// <summary>A reload began (systemd's Type=notify-reload wants the monotonic time with it).</summary>
    public void Reloading() => Send(string.Create(
        CultureInfo.InvariantCulture,
        $"RELOADING=1\nMONOTONIC_USEC={Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000)}"));

    /// <summary>The service is stopping.</summary>
    public void Stopping() => Send("STOPPING=1");

    /// <summary>A one-line status, shown by <c>systemctl status</c>.</summary>
    public void Status(string status) => Send("STATUS=" + status);

    /// <summary>Another process is now the service's main process (after a binary upgrade).</summary>
    public void MainPid(int pid) => Send(string.Create(CultureInfo.InvariantCulture, $"MAINPID={pid}"));

    /// <summary>The master's loop is alive.</summary>
    public void Watchdog() => Send("WATCHDOG=1");

    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endPoint!);
        }
        catch (SocketException)
        {
            // systemd went away or the socket is not ours to use: nothing to tell.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket?.Dispose();
}
