using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Text;

namespace Gunicornet.Worker;

/// <summary>Which PROXY protocol headers a listener takes (<c>--proxy-protocol</c>).</summary>
internal enum ProxyProtocolMode
{
    /// <summary>No header is read.</summary>
    Off,

    /// <summary>The text header only.</summary>
    V1,

    /// <summary>The binary header only.</summary>
    V2,

    /// <summary>Either, told apart by their first bytes.</summary>
    Auto,
}

/// <summary>How far a parse got.</summary>
internal enum ProxyParse
{
    /// <summary>A whole, valid header: <see cref="ProxyHeader.Length"/> bytes.</summary>
    Complete,

    /// <summary>What came so far is a valid start: read more.</summary>
    Incomplete,

    /// <summary>Not a valid header (the reason says which rule).</summary>
    Invalid,
}

/// <summary>
/// A PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) as a proxy sends it at
/// the start of a connection: who the client was. <see cref="Source"/> and <see cref="Destination"/>
/// are null when the connection's own endpoints stand (v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c>, v2 over
/// an unspecified, datagram or unix family). The v2 fields after the addresses (TLVs) are checked
/// to their framing, a CRC32C among them is verified, and all are kept in <see cref="Tlvs"/>.
/// </summary>
internal sealed record ProxyHeader(int Version, int Length, IPEndPoint? Source, IPEndPoint? Destination, IReadOnlyList<(byte Type, byte[] Value)> Tlvs)
{
    /// <summary>The longest v1 header, its CRLF included.</summary>
    public const int V1MaxLength = 107;

    /// <summary>The v2 header's fixed part: signature, version and command, family, length.</summary>
    public const int V2FixedLength = 16;

    private const byte TlvCrc32C = 0x03;
    private const byte TlvUniqueId = 0x05;
    private const byte TlvSsl = 0x20;

    /// <summary>What every v2 header starts with.</summary>
    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>What every v1 header starts with.</summary>
    public static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>
    /// Whether <paramref name="data"/> (a connection's first bytes) starts as a header of either
    /// version: true or false when that is decided, null when the bytes so far could be either.
    /// </summary>
    public static bool? StartsLikeHeader(ReadOnlySpan<byte> data)
    {
        var v1 = Prefix(data, V1Prefix);
        var v2 = Prefix(data, V2Signature);
        return v1 == true || v2 == true ? true : v1 == false && v2 == false ? false : null;
    }

    /// <summary>Reads the header at the start of <paramref name="data"/>, of a version <paramref name="mode"/> allows.</summary>
    public static ProxyParse Parse(ReadOnlySpan<byte> data, ProxyProtocolMode mode, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (data.IsEmpty)
        {
            return ProxyParse.Incomplete;
        }

        var v1 = Prefix(data, V1Prefix);
        var v2 = Prefix(data, V2Signature);
        if (v1 == false && v2 == false)
        {
            return Refuse("no PROXY header", out error);
        }

        if (v1 != false)
        {
            return mode == ProxyProtocolMode.V2 ? Refuse(v1 == true ? "a v1 header where only v2 is taken" : "no v2 header", out error)
                : v1 == true ? ParseV1(data, out header, out error)
                : ProxyParse.Incomplete;
        }

        return mode == ProxyProtocolMode.V1 ? Refuse(v2 == true ? "a v2 header where only v1 is taken" : "no v1 header", out error)
            : v2 == true ? ParseV2(data, out header, out error)
            : ProxyParse.Incomplete;
    }

    /// <summary>True when data starts with prefix, false when it cannot, null when data is a shorter start of it.</summary>
    private static bool? Prefix(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix)
    {
        var n = Math.Min(data.Length, prefix.Length);
        return !data[..n].SequenceEqual(prefix[..n]) ? false : n == prefix.Length ? true : null;
    }

    private static ProxyParse Refuse(string why, out string? error)
    {
        error = why;
        return ProxyParse.Invalid;
    }

    /// <summary><c>PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n</c> or <c>PROXY UNKNOWN ...\r\n</c>, at most 107 bytes.</summary>
    private static ProxyParse ParseV1(ReadOnlySpan<byte> data, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        var window = data[..Math.Min(data.Length, V1MaxLength)];
        var cr = window.IndexOf((byte)'\r');
        var lf = window.IndexOf((byte)'\n');
        if (lf >= 0 && (cr < 0 || lf < cr))
        {
            return Refuse("v1: a line feed without its carriage return", out error);
        }

        if (cr < 0 || cr + 1 == window.Length)
        {
            return window.Length < V1MaxLength ? ProxyParse.Incomplete : Refuse("v1: no CRLF within 107 bytes", out error);
        }

        if (window[cr + 1] != '\n')
        {
            return Refuse("v1: a carriage return without its line feed", out error);
        }

        var line = window[V1Prefix.Length..cr];
        foreach (var b in line)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return Refuse("v1: a byte that is not printable ASCII", out error);
            }
        }

        var text = Encoding.ASCII.GetString(line);
        var fields = text.Split(' ');
        var length = cr + 2;
        switch (fields[0])
        {
            case "UNKNOWN":
                // Whatever follows is to be ignored; the connection's own endpoints stand.
                header = new ProxyHeader(1, length, null, null, []);
                return ProxyParse.Complete;
            case "TCP4" or "TCP6" when fields.Length != 5:
                return Refuse($"v1: {fields[0]} takes exactly four fields, separated by one space each", out error);
            case "TCP4" or "TCP6":
                var v6 = fields[0] == "TCP6";
                if (!TryAddress(fields[1], v6, out var source) || !TryAddress(fields[2], v6, out var destination))
                {
                    return Refuse($"v1: not an {(v6 ? "IPv6" : "IPv4")} address in '{text}'", out error);
                }

                if (!TryPort(fields[3], out var sourcePort) || !TryPort(fields[4], out var destinationPort))
                {
                    return Refuse($"v1: not a port (0-65535) in '{text}'", out error);
                }

                header = new ProxyHeader(1, length, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), []);
                return ProxyParse.Complete;
            default:
                return Refuse($"v1: '{fields[0]}' is not TCP4, TCP6 or UNKNOWN", out error);
        }
    }

    /// <summary>
    /// An address as v1 writes it: IPv4 as four decimal numbers 0-255 without leading zeros; IPv6 in
    /// its text form, without a zone or brackets. (IPAddress.Parse alone also takes 127.1 and 0x7f.0.0.1.)
    /// </summary>
    private static bool TryAddress(string text, bool v6, out IPAddress address)
    {
        address = IPAddress.None;
        if (v6)
        {
            if (text.Length == 0 || !text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = parsed;
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length != 4 || !parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255))
        {
            return false;
        }

        address = IPAddress.Parse(text);
        return true;
    }

    /// <summary>A port as v1 writes it: decimal, 0-65535, no sign and no leading zero.</summary>
    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is >= 1 and <= 5 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && (port = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)) <= 65535;
    }

    /// <summary>The binary header: signature, version 2 and a command, family and transport, length, addresses, TLVs.</summary>
    private static ProxyParse ParseV2(ReadOnlySpan<byte> data, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (data.Length < V2FixedLength)
        {
            return ProxyParse.Incomplete;
        }

        var version = data[12] >> 4;
        var command = data[12] & 0x0F;
        var family = data[13];
        if (version != 2)
        {
            return Refuse($"v2: version {version}, not 2", out error);
        }

        if (command > 1)
        {
            return Refuse($"v2: command {command} is neither LOCAL (0) nor PROXY (1)", out error);
        }

        var addresses = family switch
        {
            0x00 => 0,
            0x11 or 0x12 => 12,
            0x21 or 0x22 => 36,
            0x31 or 0x32 => 216,
            _ => -1,
        };
        if (addresses < 0)
        {
            return Refuse($"v2: family and transport 0x{family:X2} are not defined", out error);
        }

        var length = V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (data.Length < length)
        {
            return ProxyParse.Incomplete;
        }

        var block = data[V2FixedLength..length];
        if (command == 0)
        {
            // LOCAL: the proxy's own connection (a health check); the block is discarded unread.
            header = new ProxyHeader(2, length, null, null, []);
            return ProxyParse.Complete;
        }

        if (block.Length < addresses)
        {
            return Refuse($"v2: {block.Length} bytes of addresses where the family takes {addresses}", out error);
        }

        IPEndPoint? source = null, destination = null;
        if (family is 0x11 or 0x21)
        {
            var size = family == 0x11 ? 4 : 16;
            source = new IPEndPoint(new IPAddress(block[..size]), BinaryPrimitives.ReadUInt16BigEndian(block.Slice(2 * size, 2)));
            destination = new IPEndPoint(new IPAddress(block.Slice(size, size)), BinaryPrimitives.ReadUInt16BigEndian(block.Slice((2 * size) + 2, 2)));
        }

        var tlvs = new List<(byte, byte[])>();
        if (ReadTlvs(block[addresses..], tlvs, nested: false) is { } bad)
        {
            return Refuse("v2: " + bad, out error);
        }

        foreach (var (type, value) in tlvs)
        {
            if (type == TlvCrc32C && !ChecksumHolds(data[..length], value))
            {
                return Refuse("v2: the CRC32C does not match the header", out error);
            }
        }

        header = new ProxyHeader(2, length, source, destination, tlvs);
        return ProxyParse.Complete;
    }

    /// <summary>Reads type-length-value fields that must fill <paramref name="data"/> exactly; returns what is wrong, or null.</summary>
    private static string? ReadTlvs(ReadOnlySpan<byte> data, List<(byte, byte[])> tlvs, bool nested)
    {
        while (!data.IsEmpty)
        {
            if (data.Length < 3)
            {
                return $"{data.Length} byte(s) after the last TLV, too few for another";
            }

            var type = data[0];
            var size = BinaryPrimitives.ReadUInt16BigEndian(data[1..3]);
            if (data.Length - 3 < size)
            {
                return $"TLV 0x{type:X2} says {size} bytes, {data.Length - 3} are left";
            }

            var value = data.Slice(3, size);
            var wrong = type switch
            {
                TlvCrc32C when size != 4 => "the CRC32C TLV is not 4 bytes",
                TlvUniqueId when size > 128 => "the unique ID TLV is over 128 bytes",
                TlvSsl when nested => "an SSL TLV within an SSL TLV",
                TlvSsl when size < 5 => "the SSL TLV is shorter than its client and verify fields",
                TlvSsl => ReadTlvs(value[5..], [], nested: true),
                _ => null,
            };
            if (wrong is not null)
            {
                return wrong;
            }

            tlvs.Add((type, value.ToArray()));
            data = data[(3 + size)..];
        }

        return null;
    }

    /// <summary>The CRC32C (Castagnoli) of the whole header with the checksum's own bytes as zeros.</summary>
    private static bool ChecksumHolds(ReadOnlySpan<byte> header, byte[] expected)
    {
        var at = FindChecksum(header);
        var crc = 0xFFFFFFFFu;
        for (var j = 0; j < header.Length; j++)
        {
            crc = BitOperations.Crc32C(crc, j >= at && j < at + 4 ? (byte)0 : header[j]);
        }

        return ~crc == BinaryPrimitives.ReadUInt32BigEndian(expected);
    }

    /// <summary>Where the CRC32C TLV's value lies in a header whose framing was checked.</summary>
    private static int FindChecksum(ReadOnlySpan<byte> header)
    {
        var addresses = header[13] switch
        {
            0x11 or 0x12 => 12,
            0x21 or 0x22 => 36,
            0x31 or 0x32 => 216,
            _ => 0,
        };
        var at = V2FixedLength + addresses;
        while (at + 3 <= header.Length)
        {
            var size = BinaryPrimitives.ReadUInt16BigEndian(header.Slice(at + 1, 2));
            if (header[at] == TlvCrc32C)
            {
                return at + 3;
            }

            at += 3 + size;
        }

        return -1;
    }
}
