using System.Net;
using Microsoft.AspNetCore.Http;

namespace Gunicornet.Worker;

/// <summary>
/// Proxy trust (gunicorn's <c>forwarded_allow_ips</c> and <c>secure_scheme_headers</c>): from a trusted
/// address, X-Forwarded-For gives the client's address and a secure scheme header the request's
/// scheme; from anyone else they are ignored.
/// </summary>
internal sealed class ForwardedHeaders
{
    private readonly IPNetwork[]? _trusted;
    private readonly (string Header, string Value)[] _secure;

    private ForwardedHeaders(IPNetwork[]? trusted, (string Header, string Value)[] secure)
    {
        _trusted = trusted;
        _secure = secure;
    }

    /// <summary>Creates it from the settings' values; null when they trust nobody and so change nothing.</summary>
    public static ForwardedHeaders? Create(string allowIps, IEnumerable<string> secureSchemeHeaders)
    {
        if (!Config.TrustedProxies.TryParse(allowIps, out var trusted, out var error))
        {
            throw new FormatException(error);
        }

        if (trusted is { Length: 0 })
        {
            return null;
        }

        var secure = secureSchemeHeaders
            .Select(p => p.Split('=', 2))
            .Select(p => (p[0].Trim(), p[1].Trim()))
            .ToArray();
        return new ForwardedHeaders(trusted, secure);
    }

    /// <summary>True when <paramref name="address"/> is a trusted proxy.</summary>
    public bool Trusts(IPAddress? address) => Config.TrustedProxies.Allows(_trusted, address);

    /// <summary>
    /// Applies the headers of a trusted proxy to <paramref name="context"/>. Returns an error for the
    /// client (conflicting scheme headers, as gunicorn refuses them) or null.
    /// </summary>
    public string? Apply(HttpContext context)
    {
        var connection = context.Connection;
        if (!Trusts(connection.RemoteIpAddress))
        {
            return null;
        }

        var headers = context.Request.Headers;
        bool? secure = null;
        foreach (var (header, value) in _secure)
        {
            if (headers.TryGetValue(header, out var sent))
            {
                var isSecure = string.Equals(sent.ToString().Trim(), value, StringComparison.OrdinalIgnoreCase);
                if (secure is { } other && other != isSecure)
                {
                    return "Contradictory scheme headers";
                }

                secure = isSecure;
            }
        }

        if (secure is { } https)
        {
            context.Request.Scheme = https ? "https" : "http";
        }

        if (headers.TryGetValue("X-Forwarded-For", out var forwardedFor))
        {
            // Right to left: each trusted hop vouches for the one before it.
            var hops = string.Join(',', forwardedFor.ToArray()).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var i = hops.Length - 1; i >= 0; i--)
            {
                if (!IPAddress.TryParse(hops[i], out var hop))
                {
                    break;
                }

                connection.RemoteIpAddress = hop;
                connection.RemotePort = 0;
                if (!Trusts(hop) || _trusted is null)
                {
                    break;
                }
            }
        }

        return null;
    }
}
