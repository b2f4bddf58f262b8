using System.Net;
using System.Net.Sockets;
using Gunicornet.Config;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>A listening socket the master owns for its whole life and every worker inherits.</summary>
internal sealed class Listener : IDisposable
{
    private const int SOL_SOCKET = 1;
    private const int SO_REUSEADDR = 2;
    private const int SO_REUSEPORT = 15;
    private bool _unlinkOnClose;

    private Listener(BindAddress address, Socket socket, bool unlinkOnClose)
    {
        Address = address;
        Socket = socket;
        _unlinkOnClose = unlinkOnClose;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();

        // .NET opens sockets close-on-exec; a worker can only inherit the listener once that is cleared.
        FileDescriptors.SetCloseOnExec(Fd, closeOnExec: false);
        _ = Url;
    }

    private string? _url;

    /// <summary>What was asked for on the command line.</summary>
    public BindAddress Address { get; }

    /// <summary>The socket.</summary>
    public Socket Socket { get; }

    /// <summary>The descriptor number workers adopt.</summary>
    public int Fd { get; }

    /// <summary>The address actually listened on, as gunicorn logs it: <c>http://127.0.0.1:8000</c> or <c>unix:/path</c> (kept once closed, for the log).</summary>
    public string Url => _url ??= Socket.LocalEndPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"http://[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"http://{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint unix => $"unix:{unix}",
        var other => other?.ToString() ?? Address.ToString(),
    };

    /// <summary>Binds and listens; throws <see cref="ListenerException"/> with a one-line reason.</summary>
    /// <param name="address">What to bind.</param>
    /// <param name="backlog">The listen backlog.</param>
    /// <param name="reusePort">Set SO_REUSEPORT (<c>--reuse-port</c>) on a TCP socket.</param>
    public static Listener Bind(BindAddress address, int backlog, bool reusePort = false) => address.Kind switch
    {
        BindKind.Unix => BindUnix(address, backlog),
        BindKind.Fd => Adopt(address, backlog),
        _ => BindTcp(address, backlog, reusePort),
    };

    private static Listener BindTcp(BindAddress address, int backlog, bool reusePort)
    {
        IPAddress ip;
        if (!IPAddress.TryParse(address.Host, out ip!))
        {
            try
            {
                ip = Dns.GetHostAddresses(address.Host).FirstOrDefault()
                    ?? throw new ListenerException($"Can't resolve host: {address.Host}");
            }
            catch (SocketException e)
            {
                throw new ListenerException($"Can't resolve host {address.Host}: {e.Message}");
            }
        }

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // As gunicorn: a restarted server may bind while old connections sit in TIME_WAIT.
            // Not .NET's ReuseAddress: on Linux it sets SO_REUSEPORT too, which would let a second
            // server bind the same port and silently share its connections.
            socket.SetRawSocketOption(SOL_SOCKET, SO_REUSEADDR, BitConverter.GetBytes(1));
            if (reusePort)
            {
                socket.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
            }

            socket.Bind(new IPEndPoint(ip, address.Port));
            socket.Listen(backlog);
            return new Listener(address, socket, unlinkOnClose: false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerException(Describe(e, address));
        }
    }

    private static Listener BindUnix(BindAddress address, int backlog)
    {
        var path = Path.GetFullPath(address.Path!);
        if (File.Exists(path) || Directory.Exists(path))
        {
            if (!IsSocket(path))
            {
                throw new ListenerException($"Can't bind {address}: '{path}' exists and is not a socket");
            }

            if (IsInUse(path))
            {
                throw new ListenerException($"Connection in use: {address}");
            }

            // A socket file nobody listens on is left over from a server that died: replace it.
            File.Delete(path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(backlog);
            return new Listener(address with { Path = path }, socket, unlinkOnClose: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerException(Describe(e, address));
        }
    }

    private static Listener Adopt(BindAddress address, int backlog)
    {
        if (!FileDescriptors.IsOpen(address.Fd))
        {
            throw new ListenerException($"Can't use {address}: descriptor {address.Fd} is not open");
        }

        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(address.Fd, ownsHandle: true));
        }
        catch (SocketException e)
        {
            throw new ListenerException($"Can't use {address}: not a socket ({e.Message})");
        }

        if (socket.SocketType != SocketType.Stream || socket.LocalEndPoint is null)
        {
            socket.Dispose();
            throw new ListenerException($"Can't use {address}: not a bound stream socket");
        }

        if ((int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! == 0)
        {
            socket.Listen(backlog);
        }

        return new Listener(address, socket, unlinkOnClose: false);
    }

    internal static bool IsSocket(string path) => Posix.FileDescriptors.IsSocket(path);

    internal static bool IsInUse(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Describe(SocketException e, BindAddress address) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => $"Connection in use: {address}",
        SocketError.AddressNotAvailable => $"Can't bind {address}: address not available on this machine",
        SocketError.AccessDenied => $"Can't bind {address}: permission denied",
        _ => $"Can't bind {address}: {e.Message}",
    };

    /// <summary>Leaves a unix socket's file in place at close: another master (USR2) serves on it.</summary>
    public void KeepPathOnClose() => _unlinkOnClose = false;

    /// <summary>Sets the backlog again (listen(2) on a listening socket only changes its backlog).</summary>
    public void Listen(int backlog) => Socket.Listen(backlog);

    /// <summary>Closes the master's copy; a unix socket's file is removed (gunicorn does the same).</summary>
    public void Dispose()
    {
        Socket.Dispose();
        if (_unlinkOnClose && Address.Path is { } path && IsSocket(path))
        {
            File.Delete(path);
        }
    }
}

/// <summary>A listener could not be bound or adopted; the message is the one line to show.</summary>
internal sealed class ListenerException(string message) : Exception(message);
