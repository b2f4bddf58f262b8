using System.Globalization;
using Gunicornet.Config;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>
/// Where the master's listeners come from: sockets an old master handed down (binary upgrade),
/// systemd's socket activation (<c>LISTEN_FDS</c>, which takes precedence over <c>--bind</c>), or
/// the <c>--bind</c> addresses.
/// </summary>
internal static class ListenerSource
{
    /// <summary>The variable in which an old master passes its listeners to a new one (USR2).</summary>
    public const string InheritedFdsVariable = "GUNICORNET_FDS";

    /// <summary>Opens the listeners; <paramref name="origin"/> says where they came from, for the log.</summary>
    /// <exception cref="ListenerException">A socket cannot be bound or adopted.</exception>
    public static List<Listener> Open(ServerConfig config, out string origin)
    {
        var inherited = Environment.GetEnvironmentVariable(InheritedFdsVariable);
        var systemd = SystemdFds();
        foreach (var name in new[] { InheritedFdsVariable, "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        if (!string.IsNullOrEmpty(inherited))
        {
            origin = "inherited from the old master";
            return AdoptAll(inherited.Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture)), config.Get(Settings.Backlog));
        }

        if (systemd.Count > 0)
        {
            origin = "from systemd socket activation";
            return AdoptAll(systemd, config.Get(Settings.Backlog));
        }

        origin = "bind";
        var listeners = new List<Listener>();
        try
        {
            foreach (var bind in config.Get(Settings.Bind))
            {
                listeners.Add(Bind(bind, config));
            }
        }
        catch
        {
            listeners.ForEach(l => l.Dispose());
            throw;
        }

        return listeners;
    }

    /// <summary>Binds one <c>bind</c> address as <paramref name="config"/> says (backlog, reuse_port, umask).</summary>
    /// <exception cref="ListenerException">It cannot be bound.</exception>
    public static Listener Bind(string bind, ServerConfig config)
    {
        // As gunicorn: the umask setting decides the permissions of the unix sockets it binds
        // (0, the default, lets anyone connect: nginx runs as another user).
        using var mask = ProcessMask.Use(config.Get(Settings.Umask));
        BindAddress.TryParse(bind, out var address, out _);
        return Listener.Bind(address!, config.Get(Settings.Backlog), config.Get(Settings.ReusePort));
    }

    /// <summary>The descriptors systemd passed (3, 4, ...), when <c>LISTEN_PID</c> names this process.</summary>
    private static List<int> SystemdFds()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return [];
        }

        // SD_LISTEN_FDS_START is 3.
        return Enumerable.Range(3, n).ToList();
    }

    private static List<Listener> AdoptAll(IEnumerable<int> fds, int backlog)
    {
        var listeners = new List<Listener>();
        try
        {
            foreach (var fd in fds)
            {
                listeners.Add(Listener.Bind(new BindAddress(BindKind.Fd, "", 0, null, fd), backlog));
            }
        }
        catch
        {
            listeners.ForEach(l => l.Dispose());
            throw;
        }

        return listeners;
    }
}
