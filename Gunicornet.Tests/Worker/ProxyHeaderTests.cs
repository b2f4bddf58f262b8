using System.Buffers.Binary;
using System.Net;
using System.Text;
using Gunicornet.Worker;

namespace Gunicornet.Tests.Worker;

/// <summary>The PROXY protocol header, byte for byte, as HAProxy's proxy-protocol.txt writes it.</summary>
[TestFixture]
public sealed class ProxyHeaderTests
{
    private static ProxyParse Parse(byte[] data, ProxyProtocolMode mode, out ProxyHeader? header, out string? error) =>
        ProxyHeader.Parse(data, mode, out header, out error);

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", "192.0.2.1:56324", "198.51.100.2:443")]
    [TestCase("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n", "[2001:db8::1]:65535", "[2001:db8::2]:0")]
    [TestCase("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n", "[::ffff:192.0.2.1]:1", "[::1]:2")]
    public void V1_Tcp_GivesTheClientsEndpoints(string line, string source, string destination)
    {
        var data = Ascii(line + "GET / HTTP/1.1\r\n");

        Assert.That(Parse(data, ProxyProtocolMode.Auto, out var header, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That(header!.Version, Is.EqualTo(1));
        Assert.That(header.Length, Is.EqualTo(line.Length), "the header ends at its CRLF; the request is left");
        Assert.That(header.Source, Is.EqualTo(IPEndPoint.Parse(source)));
        Assert.That(header.Destination, Is.EqualTo(IPEndPoint.Parse(destination)));
    }

    [TestCase("PROXY UNKNOWN\r\n")]
    [TestCase("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")]
    public void V1_Unknown_KeepsTheConnectionsOwnEndpoints(string line)
    {
        Assert.That(Parse(Ascii(line), ProxyProtocolMode.V1, out var header, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That((header!.Length, header.Source, header.Destination), Is.EqualTo((line.Length, (IPEndPoint?)null, (IPEndPoint?)null)));
    }

    [TestCase("P")]
    [TestCase("PROXY")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 44")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r")]
    public void V1_Truncated_AsksForMore(string start)
    {
        Assert.That(Parse(Ascii(start), ProxyProtocolMode.Auto, out _, out _), Is.EqualTo(ProxyParse.Incomplete));
    }

    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n", "line feed without")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\rX", "carriage return without")]
    [TestCase("PROXY TCP4 192.0.2.1  198.51.100.2 56324 443\r\n", "exactly four fields")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n", "exactly four fields")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n", "exactly four fields")]
    [TestCase("PROXY TCP4 2001:db8::1 198.51.100.2 56324 443\r\n", "IPv4 address")]
    [TestCase("PROXY TCP4 127.1 198.51.100.2 56324 443\r\n", "IPv4 address")]
    [TestCase("PROXY TCP4 192.0.2.01 198.51.100.2 56324 443\r\n", "IPv4 address")]
    [TestCase("PROXY TCP4 192.0.2.256 198.51.100.2 56324 443\r\n", "IPv4 address")]
    [TestCase("PROXY TCP6 192.0.2.1 2001:db8::2 56324 443\r\n", "IPv6 address")]
    [TestCase("PROXY TCP6 [2001:db8::1] 2001:db8::2 56324 443\r\n", "IPv6 address")]
    [TestCase("PROXY TCP6 fe80::1%eth0 2001:db8::2 56324 443\r\n", "IPv6 address")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n", "port")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n", "port")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n", "port")]
    [TestCase("PROXY TCP4 192.0.2.1 198.51.100.2 +443 443\r\n", "port")]
    [TestCase("PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n", "not TCP4, TCP6 or UNKNOWN")]
    [TestCase("PROXY tcp4 192.0.2.1 198.51.100.2 1 2\r\n", "not TCP4, TCP6 or UNKNOWN")]
    [TestCase("PROXY TCP4 192.0.2.1\t198.51.100.2 1 2\r\n", "printable")]
    [TestCase("GET / HTTP/1.1\r\n\r\n", "no PROXY header")]
    [TestCase("PROXI TCP4 192.0.2.1 198.51.100.2 1 2\r\n", "no PROXY header")]
    [TestCase("\x16\x03\x01\x02\x00\x01\x00\x01", "no PROXY header")]
    public void V1_Malformed_IsRefusedWithItsRule(string text, string rule)
    {
        Assert.That(Parse(Ascii(text), ProxyProtocolMode.Auto, out var header, out var error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(header, Is.Null);
        Assert.That(error, Does.Contain(rule));
    }

    [Test]
    public void V1_Oversized_IsRefused()
    {
        // 107 bytes at most, CRLF included: the longest TCP6 line is 104.
        var longest = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.That(longest, Has.Length.EqualTo(104));
        Assert.That(Parse(Ascii(longest), ProxyProtocolMode.V1, out _, out var error), Is.EqualTo(ProxyParse.Complete), error);

        var unknown = "PROXY UNKNOWN " + new string('x', 107 - 16) + "\r\n";
        Assert.That(Parse(Ascii(unknown), ProxyProtocolMode.V1, out _, out error), Is.EqualTo(ProxyParse.Complete), "107 bytes exactly");
        Assert.That(Parse(Ascii("PROXY UNKNOWN " + new string('x', 107 - 15) + "\r\n"), ProxyProtocolMode.V1, out _, out error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(error, Does.Contain("107"));
        Assert.That(Parse(Ascii("PROXY UNKNOWN " + new string('x', 200)), ProxyProtocolMode.V1, out _, out _), Is.EqualTo(ProxyParse.Invalid), "no CRLF at all");
    }

    /// <summary>A v2 header: signature, version 2 and <paramref name="command"/>, <paramref name="family"/>, then <paramref name="block"/>.</summary>
    private static byte[] V2(byte command, byte family, byte[] block)
    {
        var header = new byte[16 + block.Length];
        ProxyHeader.V2Signature.CopyTo(header);
        header[12] = (byte)(0x20 | command);
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)block.Length);
        block.CopyTo(header, 16);
        return header;
    }

    private static byte[] Addresses(IPEndPoint source, IPEndPoint destination)
    {
        var s = source.Address.GetAddressBytes();
        var d = destination.Address.GetAddressBytes();
        var block = new byte[(2 * s.Length) + 4];
        s.CopyTo(block, 0);
        d.CopyTo(block, s.Length);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * s.Length), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan((2 * s.Length) + 2), (ushort)destination.Port);
        return block;
    }

    private static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    [TestCase(0x11, "192.0.2.1:56324", "198.51.100.2:443")]
    [TestCase(0x21, "[2001:db8::1]:56324", "[2001:db8::2]:443")]
    public void V2_Proxy_GivesTheClientsEndpoints(byte family, string source, string destination)
    {
        var header = V2(1, family, Addresses(IPEndPoint.Parse(source), IPEndPoint.Parse(destination)));
        byte[] data = [.. header, .. Ascii("GET / HTTP/1.1\r\n")];

        Assert.That(Parse(data, ProxyProtocolMode.V2, out var parsed, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That(parsed!.Version, Is.EqualTo(2));
        Assert.That(parsed.Length, Is.EqualTo(header.Length));
        Assert.That(parsed.Source, Is.EqualTo(IPEndPoint.Parse(source)));
        Assert.That(parsed.Destination, Is.EqualTo(IPEndPoint.Parse(destination)));
    }

    [Test]
    public void V2_Local_KeepsTheConnectionsOwnEndpoints_AndDiscardsItsBlock()
    {
        // A health check from the proxy itself: whatever the block holds is not read.
        var header = V2(0, 0x11, [1, 2, 3]);

        Assert.That(Parse(header, ProxyProtocolMode.Auto, out var parsed, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That((parsed!.Length, parsed.Source, parsed.Destination), Is.EqualTo((19, (IPEndPoint?)null, (IPEndPoint?)null)));
    }

    [TestCase((byte)0x00)]
    [TestCase((byte)0x12)]
    [TestCase((byte)0x31)]
    public void V2_Proxy_OverAFamilyWithoutTcpAddresses_KeepsTheOwnEndpoints(byte family)
    {
        var block = new byte[family switch { 0x12 => 12, 0x31 => 216, _ => 0 }];
        Assert.That(Parse(V2(1, family, block), ProxyProtocolMode.Auto, out var parsed, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That(parsed!.Source, Is.Null);
    }

    [Test]
    public void V2_Tlvs_AreKept_AndACorrectCrc32cHolds()
    {
        var addresses = Addresses(IPEndPoint.Parse("192.0.2.1:1000"), IPEndPoint.Parse("198.51.100.2:80"));
        byte[] ssl = [0x01, 0, 0, 0, 0, .. Tlv(0x21, Ascii("TLSv1.3"))];
        byte[] block = [.. addresses, .. Tlv(0x01, Ascii("h2")), .. Tlv(0x02, Ascii("example.com")), .. Tlv(0x20, ssl), .. Tlv(0x04, new byte[5]), .. Tlv(0xE0, [9]), .. Tlv(0x03, new byte[4])];
        var header = V2(1, 0x11, block);
        var crc = Crc32C(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), crc);

        Assert.That(Parse(header, ProxyProtocolMode.Auto, out var parsed, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That(parsed!.Tlvs.Select(t => t.Type), Is.EqualTo(new byte[] { 0x01, 0x02, 0x20, 0x04, 0xE0, 0x03 }));
        Assert.That(Encoding.ASCII.GetString(parsed.Tlvs[1].Value), Is.EqualTo("example.com"));

        header[^1] ^= 1;
        Assert.That(Parse(header, ProxyProtocolMode.Auto, out _, out error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(error, Does.Contain("CRC32C"));
    }

    [Test]
    public void Crc32c_IsCastagnolis()
    {
        // The check value of CRC-32C (RFC 3720, B.4).
        Assert.That(Crc32C(Ascii("123456789")), Is.EqualTo(0xE3069283u));
    }

    /// <summary>CRC-32C, bit by bit, as a reference independent of the one under test.</summary>
    private static uint Crc32C(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static IEnumerable<TestCaseData> MalformedV2()
    {
        var addresses = Addresses(IPEndPoint.Parse("192.0.2.1:1000"), IPEndPoint.Parse("198.51.100.2:80"));
        byte[] header = V2(1, 0x11, addresses);
        yield return new TestCaseData(Set(header, 12, 0x11), "version 1").SetName("V2_Malformed_Version1");
        yield return new TestCaseData(Set(header, 12, 0x22), "command 2").SetName("V2_Malformed_Command2");
        yield return new TestCaseData(Set(header, 13, 0x13), "0x13").SetName("V2_Malformed_Family");
        yield return new TestCaseData(Set(header, 13, 0x41), "0x41").SetName("V2_Malformed_AddressFamily");
        yield return new TestCaseData(V2(1, 0x21, addresses), "the family takes 36").SetName("V2_Malformed_ShortAddresses");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, 0x01, 0x00]), "too few").SetName("V2_Malformed_TlvHeaderCut");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, 0x01, 0x00, 0x05, 0x68, 0x32]), "says 5 bytes").SetName("V2_Malformed_TlvValueCut");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, .. Tlv(0x03, [1, 2])]), "CRC32C TLV is not 4").SetName("V2_Malformed_Crc32cSize");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, .. Tlv(0x05, new byte[129])]), "over 128").SetName("V2_Malformed_UniqueIdTooLong");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, .. Tlv(0x20, [1, 0, 0])]), "shorter than its client").SetName("V2_Malformed_SslTooShort");
        yield return new TestCaseData(V2(1, 0x11, [.. addresses, .. Tlv(0x20, [1, 0, 0, 0, 0, 0x21, 0, 9])]), "says 9 bytes").SetName("V2_Malformed_SslSubTlvCut");
        yield return new TestCaseData(Set(header, 11, 0x0B), "no PROXY header").SetName("V2_Malformed_Signature");
    }

    private static byte[] Set(byte[] data, int at, byte value)
    {
        var copy = data.ToArray();
        copy[at] = value;
        return copy;
    }

    [TestCaseSource(nameof(MalformedV2))]
    public void V2_Malformed_IsRefusedWithItsRule(byte[] data, string rule)
    {
        Assert.That(Parse(data, ProxyProtocolMode.Auto, out var header, out var error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(header, Is.Null);
        Assert.That(error, Does.Contain(rule));
    }

    [Test]
    public void V2_Truncated_AsksForMore_AtEveryLength()
    {
        var header = V2(1, 0x21, [.. Addresses(IPEndPoint.Parse("[2001:db8::1]:1"), IPEndPoint.Parse("[2001:db8::2]:2")), .. Tlv(0x05, Ascii("id-1"))]);
        for (var n = 1; n < header.Length; n++)
        {
            Assert.That(Parse(header[..n], ProxyProtocolMode.Auto, out _, out _), Is.EqualTo(ProxyParse.Incomplete), $"{n} of {header.Length} bytes");
        }

        Assert.That(Parse(header, ProxyProtocolMode.Auto, out _, out var error), Is.EqualTo(ProxyParse.Complete), error);
    }

    [Test]
    public void V2_LongestBlock_IsRead()
    {
        var block = new byte[ushort.MaxValue];
        Addresses(IPEndPoint.Parse("192.0.2.1:1"), IPEndPoint.Parse("192.0.2.2:2")).CopyTo(block, 0);
        Tlv(0x04, new byte[ushort.MaxValue - 12 - 3]).CopyTo(block, 12);

        Assert.That(Parse(V2(1, 0x11, block), ProxyProtocolMode.Auto, out var header, out var error), Is.EqualTo(ProxyParse.Complete), error);
        Assert.That(header!.Length, Is.EqualTo(16 + ushort.MaxValue));
    }

    [Test]
    public void Modes_TakeOnlyTheirVersion()
    {
        var v1 = Ascii("PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\n");
        var v2 = V2(1, 0x11, Addresses(IPEndPoint.Parse("192.0.2.1:1"), IPEndPoint.Parse("198.51.100.2:2")));

        Assert.That(Parse(v1, ProxyProtocolMode.V2, out _, out var error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(error, Does.Contain("only v2"));
        Assert.That(Parse(v2, ProxyProtocolMode.V1, out _, out error), Is.EqualTo(ProxyParse.Invalid));
        Assert.That(error, Does.Contain("only v1"));
        Assert.That(Parse(v1, ProxyProtocolMode.V1, out _, out _), Is.EqualTo(ProxyParse.Complete));
        Assert.That(Parse(v2, ProxyProtocolMode.V2, out _, out _), Is.EqualTo(ProxyParse.Complete));
    }

    [TestCase("GET / HTTP/1.1\r\n", false)]
    [TestCase("POST / HTTP/1.1\r\n", false)]
    [TestCase("\x16\x03\x01", false)]
    [TestCase("PROXY ", true)]
    [TestCase("PRO", null)]
    [TestCase("\r\n\r\n", null)]
    [TestCase("\r\n\r\n\0", null)]
    [TestCase("\r\n\r\nG", false)]
    public void StartsLikeHeader_DecidesOnTheFirstBytes(string start, bool? expected)
    {
        Assert.That(ProxyHeader.StartsLikeHeader(Ascii(start)), Is.EqualTo(expected));
    }
}
