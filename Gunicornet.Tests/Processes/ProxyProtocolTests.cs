using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;
using Gunicornet.Worker;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// <c>--proxy-protocol</c> and <c>--proxy-allow-from</c> on a running pool: the header's client is the
/// connection's client for the app, the access log and forwarded-header trust; what is not a valid
/// header from an allowed peer, or a header from another, closes the connection unanswered.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class ProxyProtocolTests
{
    private static readonly string App = Paths.TestApp("testapp");
    /// <summary>HTTP/1.0, so that the body comes whole (not chunked) and the server closes after it.</summary>
    private const string Peer = "GET /peer HTTP/1.0\r\nHost: proxied.test\r\n\r\n";

    private TempDirectory _dir = null!;
    private ServerProcess _server = null!;
    private Uri _url = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _dir = new TempDirectory("gunicornet-proxy");
        (_server, _url) = await ServerProcess.StartReady(
            App, workers: 2, CancellationToken.None,
            "--access-logfile", _dir.File("access.log"), "--access-logformat", "%(h)s \"%(r)s\" %(s)s",
            "--metrics-bind", "127.0.0.1:0", "--header-timeout", "2", "--proxy-protocol");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] V2(byte command, IPEndPoint? source, IPEndPoint? destination, params byte[] tlvs)
    {
        var s = source?.Address.GetAddressBytes() ?? [];
        var d = destination?.Address.GetAddressBytes() ?? [];
        var addresses = source is null ? [] : new byte[(2 * s.Length) + 4];
        if (source is not null)
        {
            s.CopyTo(addresses, 0);
            d.CopyTo(addresses, s.Length);
            BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan(2 * s.Length), (ushort)source.Port);
            BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan((2 * s.Length) + 2), (ushort)destination!.Port);
        }

        byte family = source is null ? (byte)0x00 : s.Length == 4 ? (byte)0x11 : (byte)0x21;
        var header = new byte[16 + addresses.Length + tlvs.Length];
        ProxyHeader.V2Signature.CopyTo(header);
        header[12] = (byte)(0x20 | command);
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)(addresses.Length + tlvs.Length));
        addresses.CopyTo(header, 16);
        tlvs.CopyTo(header, 16 + addresses.Length);
        return header;
    }

    /// <summary>Sends <paramref name="bytes"/> on a new connection and reads until the server closes it (bounded).</summary>
    private static async Task<(string Answer, int LocalPort)> Send(int port, byte[] bytes, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        var localPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        try
        {
            await socket.SendAsync(bytes, ct);
        }
        catch (SocketException)
        {
            // Closed part way: what came back still counts.
        }

        return (await ReadToEnd(new NetworkStream(socket), ct), localPort);
    }

    private static async Task<string> ReadToEnd(Stream stream, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, bounded.Token);
        }
        catch (IOException)
        {
            // Reset: what came before it counts.
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    private static string Body(string answer) => answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

    private string AccessLog() => File.Exists(_dir.File("access.log")) ? File.ReadAllText(_dir.File("access.log")) : "";

    [Test]
    public async Task V1_TheHeadersClient_IsTheConnectionsClient_ForTheAppAndTheAccessLog(CancellationToken ct)
    {
        var (answer, _) = await Send(_url.Port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 443\r\n" + Peer), ct);

        Assert.That(answer, Does.StartWith("HTTP/1.1 200"));
        Assert.That(Body(answer), Is.EqualTo("203.0.113.7 41234 198.51.100.2 443"));
        await Wait.Until(() => AccessLog().Contains("203.0.113.7 \"GET /peer HTTP/1.0\" 200", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the access log line", ct, AccessLog);
    }

    [Test]
    public async Task V2_Ipv6WithTlvs_AndV1Ipv6_AreRead(CancellationToken ct)
    {
        byte[] tlvs = [0x02, 0x00, 0x03, (byte)'a', (byte)'.', (byte)'b', 0x04, 0x00, 0x01, 0x00];
        var v2 = V2(1, IPEndPoint.Parse("[2001:db8::7]:5555"), IPEndPoint.Parse("[2001:db8::1]:80"), tlvs);
        var (answer, _) = await Send(_url.Port, [.. v2, .. Ascii(Peer)], ct);
        Assert.That(Body(answer), Is.EqualTo("2001:db8::7 5555 2001:db8::1 80"));

        (answer, _) = await Send(_url.Port, Ascii("PROXY TCP6 2001:db8::8 2001:db8::1 6666 80\r\n" + Peer), ct);
        Assert.That(Body(answer), Is.EqualTo("2001:db8::8 6666 2001:db8::1 80"));
    }

    [Test]
    public async Task V2Local_AndV1Unknown_KeepTheRealPeer(CancellationToken ct)
    {
        var (answer, port) = await Send(_url.Port, [.. V2(0, null, null), .. Ascii(Peer)], ct);
        Assert.That(Body(answer), Is.EqualTo($"127.0.0.1 {port} 127.0.0.1 {_url.Port}"));

        (answer, port) = await Send(_url.Port, Ascii("PROXY UNKNOWN\r\n" + Peer), ct);
        Assert.That(Body(answer), Is.EqualTo($"127.0.0.1 {port} 127.0.0.1 {_url.Port}"));
    }

    [TestCase("", "closed before a header")]
    [TestCase(Peer, "no PROXY header")]
    [TestCase("PROXY TCP4 203.0.113.7 198.51.100.2 41234\r\n" + Peer, "exactly four fields")]
    [TestCase("PROXY TCP4 203.0.113.7 198.51.100.2 41234 99999\r\n" + Peer, "not a port")]
    [TestCase("PROXY TCP4 203.0.113.7 198.51.100.2 41234 443", "closed within the header")]
    public async Task FromAnAllowedPeer_AMissingOrMalformedHeader_ClosesTheConnectionUnanswered(string sent, string rule, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _url.Port), ct);
        using var stream = new NetworkStream(socket);
        var line = new Regex("closed: PROXY protocol: .*" + Regex.Escape(rule));
        var before = line.Count(_server.Output);
        await socket.SendAsync(Ascii(sent), ct);
        socket.Shutdown(SocketShutdown.Send);

        Assert.That(await ReadToEnd(stream, ct), Is.Empty, "no response at all");
        await Wait.Until(() => line.Count(_server.Output) > before, TimeSpan.FromSeconds(10), $"a debug line saying '{rule}'", ct, () => _server.Output);
        var (answer, _) = await Send(_url.Port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 443\r\n" + Peer), ct);
        Assert.That(answer, Does.StartWith("HTTP/1.1 200"), "the workers serve on");
        Assert.That(_server.LiveWorkers(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task FromAnAllowedPeer_AHeaderThatNeverCompletes_IsClosedAtTheHeaderTimeout(CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _url.Port), ct);
        var line = new Regex(@"PROXY protocol: no complete header within 2s");
        var before = line.Count(_server.Output);
        await socket.SendAsync(Ascii("PROXY TCP4 "), ct);
        var clock = Stopwatch.StartNew();

        Assert.That(await ReadToEnd(new NetworkStream(socket), ct), Is.Empty);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(14)), "closed by the server, not by the read's bound");
        await Wait.Until(() => line.Count(_server.Output) > before, TimeSpan.FromSeconds(10), "the timeout's debug line", ct, () => _server.Output);
    }

    [Test]
    public async Task Refusals_AreCountedInTheMetrics(CancellationToken ct)
    {
        var metrics = new Uri((string)_server.Ask("show listeners")!["metrics"]![0]!);
        var before = await Refused(metrics, ct);
        await Send(_url.Port, Ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ct);
        await Send(_url.Port, Ascii("PROXY TCP9\r\n"), ct);

        await Wait.Until(() => Refused(metrics, ct).GetAwaiter().GetResult() >= before + 2, TimeSpan.FromSeconds(15), "two more refusals in /metrics", ct, () => Http.Get(metrics, "", ct).GetAwaiter().GetResult().Body);
    }

    private static async Task<double> Refused(Uri metrics, CancellationToken ct)
    {
        var (_, text) = await Http.Get(metrics, "", ct);
        Assert.That(text, Does.Contain("# TYPE gunicornet_proxy_protocol_refused_connections_total counter").Or.Contain("# TYPE gunicornet_proxy_protocol_refused_connections counter"));
        return text.Split('\n')
            .Where(l => l.StartsWith("gunicornet_proxy_protocol_refused_connections_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    [Test]
    public async Task ForwardedHeaders_AreJudgedByTheHeadersClient(CancellationToken ct)
    {
        // 203.0.113.7 is no trusted proxy (--forwarded-allow-ips is 127.0.0.1): its X-Forwarded-For is ignored.
        var request = "GET /remote HTTP/1.0\r\nHost: x\r\nX-Forwarded-For: 192.0.2.99\r\nX-Forwarded-Proto: https\r\n\r\n";
        var (answer, _) = await Send(_url.Port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 80\r\n" + request), ct);
        Assert.That(Body(answer), Is.EqualTo("203.0.113.7 http"));

        var (trusting, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--proxy-protocol", "v1", "--forwarded-allow-ips", "203.0.113.0/24");
        await using var owner = trusting;
        (answer, _) = await Send(url.Port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 80\r\n" + request), ct);
        Assert.That(Body(answer), Is.EqualTo("192.0.2.99 https"), "a proxy in the header's network is trusted with the forwarded headers");
    }

    [Test]
    public async Task FromAPeerNotAllowed_AHeaderIsRefused_AndPlainRequestsAreServed(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--proxy-protocol", "auto", "--proxy-allow-from", "192.0.2.1, 10.0.0.0/8");
        await using var owner = server;
        var port = url.Port;

        var (answer, localPort) = await Send(port, Ascii(Peer), ct);
        Assert.That(Body(answer), Is.EqualTo($"127.0.0.1 {localPort} 127.0.0.1 {port}"), "served as without the setting");

        (answer, _) = await Send(port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 80\r\n" + Peer), ct);
        Assert.That(answer, Is.Empty, "a spoofed client address is never taken from a peer not allowed");
        (answer, _) = await Send(port, [.. V2(1, IPEndPoint.Parse("203.0.113.7:1"), IPEndPoint.Parse("198.51.100.2:2")), .. Ascii(Peer)], ct);
        Assert.That(answer, Is.Empty);
        await server.WaitForLine(new Regex("PROXY protocol: a PROXY header from a peer not in --proxy-allow-from"), ct, TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Modes_V1AndV2_TakeOnlyTheirOwn(CancellationToken ct)
    {
        var (v2Only, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--proxy-protocol", "v2");
        await using var owner = v2Only;
        var port = url.Port;

        var (answer, _) = await Send(port, Ascii("PROXY TCP4 203.0.113.7 198.51.100.2 41234 80\r\n" + Peer), ct);
        Assert.That(answer, Is.Empty);
        (answer, _) = await Send(port, [.. V2(1, IPEndPoint.Parse("203.0.113.7:1"), IPEndPoint.Parse("198.51.100.2:2")), .. Ascii(Peer)], ct);
        Assert.That(Body(answer), Is.EqualTo("203.0.113.7 1 198.51.100.2 2"));
    }

    [Test]
    public async Task WithTls_TheHeaderComesBeforeTheHandshake(CancellationToken ct)
    {
        using var certificate = Certificates.SelfSigned(_dir.File("tls.pem"), _dir.File("tls.key"));
        var (server, url) = await ServerProcess.StartReady(App, workers: 1, ct, "--proxy-protocol", "--certfile", _dir.File("tls.pem"), "--keyfile", _dir.File("tls.key"));
        await using var owner = server;
        var port = url.Port;

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await socket.SendAsync(V2(1, IPEndPoint.Parse("203.0.113.9:4443"), IPEndPoint.Parse("198.51.100.2:443")), ct);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, ct);
        await tls.WriteAsync(Ascii("GET /remote HTTP/1.0\r\nHost: x\r\n\r\n"), ct);

        Assert.That(Body(await ReadToEnd(tls, ct)), Is.EqualTo("203.0.113.9 https"));
    }

    [Test]
    public async Task BehindHaproxy_SendProxyV2_TheAppSeesHaproxysClient(CancellationToken ct)
    {
        if (!File.Exists("/usr/sbin/haproxy"))
        {
            Assert.Ignore("HAProxy is not installed (apt-get install haproxy; .ci/run does)");
        }

        // HAProxy listens on a socket the test bound (bind fd@N), so no port is guessed; it sends a
        // v2 header on every connection to gunicornet, its health checks' included.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var front = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fd = (int)listener.SafeHandle.DangerousGetHandle();
        File.WriteAllText(_dir.File("haproxy.cfg"), $"""
            global
                stats socket {_dir.File("haproxy.sock")} level admin
            defaults
                mode http
                timeout connect 5s
                timeout client 30s
                timeout server 30s
            frontend web
                bind fd@{fd}
                default_backend gunicornet
            backend gunicornet
                option httpchk GET /
                server g1 127.0.0.1:{_url.Port} send-proxy-v2 check check-send-proxy inter 500ms

            """);
        var start = new ProcessStartInfo("/usr/sbin/haproxy", ["-db", "-f", _dir.File("haproxy.cfg")]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var haproxy = Inheriting.Start(start, fd);
        try
        {
            // Up through its checks: each a LOCAL header then GET /, answered 200. HAProxy counts a
            // server up before its first check has run, so the wait is for a check that passed (L7OK).
            await Wait.Until(
                () => HaproxyCheck(_dir.File("haproxy.sock")) == "UP L7OK",
                TimeSpan.FromSeconds(20),
                "HAProxy's health check to find gunicornet up",
                ct,
                () => haproxy.HasExited ? haproxy.StandardError.ReadToEnd() : "haproxy running");

            for (var i = 0; i < 5; i++)
            {
                var (answer, localPort) = await Send(front, Ascii(Peer), ct);
                Assert.That(answer, Does.StartWith("HTTP/1.1 200"));
                Assert.That(Body(answer), Is.EqualTo($"127.0.0.1 {localPort} 127.0.0.1 {front}"), "the client's own port and the address it reached, not HAProxy's connection's");
            }
        }
        finally
        {
            haproxy.Kill();
            await haproxy.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Server g1's status and its last check's result in HAProxy ("UP L7OK", "DOWN L4CON"; while HAProxy starts, a sentence saying so), from <c>show stat</c> on its runtime API.</summary>
    private static string HaproxyCheck(string adminSocket)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(adminSocket));
        }
        catch (SocketException)
        {
            return "not listening on its runtime API yet";
        }

        using var stream = new NetworkStream(socket);
        stream.Write("show stat\n"u8);
        using var reader = new StreamReader(stream);
        var rows = reader.ReadToEnd().Split('\n').Select(line => line.Split(',')).ToList();
        var header = rows[0];
        header[0] = header[0].TrimStart('#', ' ');
        var row = rows.Single(r => r.Length == header.Length && r[0] == "gunicornet" && r[1] == "g1");
        return $"{row[Array.IndexOf(header, "status")]} {row[Array.IndexOf(header, "check_status")]}";
    }
}
