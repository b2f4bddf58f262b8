using System.Globalization;
using System.Net;

namespace Gunicornet.Config;

/// <summary>The kind of a <c>--bind</c> address.</summary>
internal enum BindKind
{
    /// <summary>A TCP host and port.</summary>
    Tcp,

    /// <summary>A unix domain socket path.</summary>
    Unix,

    /// <summary>An already open listening socket, by file descriptor number.</summary>
    Fd,
}

/// <summary>
/// One parsed <c>--bind</c> value, in gunicorn's syntax: <c>HOST:PORT</c>, <c>HOST</c>, <c>:PORT</c>,
/// <c>[::1]:PORT</c>, <c>tcp://HOST:PORT</c>, <c>unix:PATH</c> and <c>fd://N</c>.
/// </summary>
internal sealed record BindAddress(BindKind Kind, string Host, int Port, string? Path, int Fd)
{
    /// <summary>The port used when an address names only a host, as in gunicorn.</summary>
    public const int DefaultPort = 8000;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out BindAddress? address, out string? error)
    {
        address = null;
        error = null;
        var value = text.Trim();
        if (value.Length == 0)
        {
            error = "empty address";
            return false;
        }

        if (value.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = value.StartsWith("unix://", StringComparison.Ordinal) ? value[7..] : value[5..];
            if (path.Length == 0)
            {
                error = $"'{text}' names no socket path";
                return false;
            }

            address = new BindAddress(BindKind.Unix, "", 0, path, -1);
            return true;
        }

        if (value.StartsWith("fd://", StringComparison.Ordinal))
        {
            if (!int.TryParse(value[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var fd))
            {
                error = $"'{text}' is not fd://N with N a file descriptor number";
                return false;
            }

            address = new BindAddress(BindKind.Fd, "", 0, null, fd);
            return true;
        }

        if (value.StartsWith("tcp://", StringComparison.Ordinal))
        {
            value = value[6..];
        }

        return TryParseHostPort(text, value, out address, out error);
    }

    private static bool TryParseHostPort(string text, string value, out BindAddress? address, out string? error)
    {
        address = null;
        error = null;
        string host;
        string? portText = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0)
            {
                error = $"'{text}' has no closing ']'";
                return false;
            }

            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = $"'{text}' has text after ']' that is not ':PORT'";
                    return false;
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' in '{text}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon >= 0 && value.IndexOf(':') != colon)
            {
                error = $"'{text}': write IPv6 addresses in brackets, e.g. [::1]:8000";
                return false;
            }

            host = colon >= 0 ? value[..colon] : value;
            portText = colon >= 0 ? value[(colon + 1)..] : null;
            if (host.Length == 0)
            {
                host = "0.0.0.0";
            }
        }

        var port = DefaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            error = $"'{portText}' in '{text}' is not a port number (0-65535)";
            return false;
        }

        if (host.Any(c => char.IsWhiteSpace(c) || c == '/'))
        {
            error = $"'{host}' in '{text}' is not a host name or address";
            return false;
        }

        address = new BindAddress(BindKind.Tcp, host, port, null, -1);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        BindKind.Unix => $"unix:{Path}",
        BindKind.Fd => $"fd://{Fd}",
        _ => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}",
    };
}
