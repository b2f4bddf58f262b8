using System.Net;

namespace Gunicornet.Config;

/// <summary>The value of <c>forwarded_allow_ips</c>: the proxies trusted with the forwarded headers.</summary>
internal static class TrustedProxies
{
    /// <summary>
    /// Reads <c>forwarded_allow_ips</c>: comma-separated addresses and networks, or <c>*</c> (then
    /// <paramref name="trusted"/> is null: everyone).
    /// </summary>
    public static bool TryParse(string value, out IPNetwork[]? trusted, out string? error)
    {
        error = null;
        trusted = null;
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Contains("*"))
        {
            return true;
        }

        var networks = new List<IPNetwork>();
        foreach (var item in items)
        {
            if (IPAddress.TryParse(item, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (IPNetwork.TryParse(item, out var network))
            {
                networks.Add(network);
            }
            else
            {
                error = $"'{item}' is neither an address nor a network (e.g. 10.0.0.0/8)";
                return false;
            }
        }

        trusted = [.. networks];
        return true;
    }

    /// <summary>
    /// True when <paramref name="trusted"/> (null: everyone) holds <paramref name="address"/>. A null
    /// address is a unix socket's peer, local and so trusted (as gunicorn does); an IPv4 address
    /// mapped into IPv6 is matched as IPv4.
    /// </summary>
    public static bool Allows(IPNetwork[]? trusted, IPAddress? address)
    {
        if (trusted is null || address is null)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
