using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// samples/grpc_greeter, a gRPC service (unary and server streaming) under gunicornet with several
/// workers: over cleartext HTTP/2 directly, through nginx's grpc_pass with the kit's block, and across
/// a HUP. The client marshals the proto's messages by hand (each a string or two small numbers).
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed partial class GrpcGreeterTests
{
    private static readonly string App = Paths.Sample("grpc_greeter");

    private static readonly Marshaller<string> Text = Marshallers.Create<string>(
        text => [0x0A, (byte)Encoding.UTF8.GetByteCount(text), .. Encoding.UTF8.GetBytes(text)],
        bytes => bytes.Length == 0 ? "" : Encoding.UTF8.GetString(bytes, 2, bytes[1]));

    /// <summary>CountdownRequest: from (field 1) and interval_ms (field 2), each under 128.</summary>
    private static readonly Marshaller<CountdownRequest> Countdown = Marshallers.Create<CountdownRequest>(
        r => [0x08, (byte)r.From, 0x10, (byte)r.IntervalMs],
        _ => throw new NotSupportedException());

    private static readonly Method<string, string> SayHelloMethod = new(MethodType.Unary, "greeter.Greeter", "SayHello", Text, Text);
    private static readonly Method<CountdownRequest, string> CountdownMethod = new(MethodType.ServerStreaming, "greeter.Greeter", "Countdown", Countdown, Text);

    private static async Task<string> SayHello(GrpcChannel channel, string name, CancellationToken ct) =>
        await channel.CreateCallInvoker().AsyncUnaryCall(SayHelloMethod, null, new CallOptions(cancellationToken: ct), name);

    private static async Task<List<string>> CountDown(GrpcChannel channel, int from, int intervalMs, CancellationToken ct)
    {
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(CountdownMethod, null, new CallOptions(cancellationToken: ct), new CountdownRequest(from, intervalMs));
        var ticks = new List<string>();
        while (await call.ResponseStream.MoveNext(ct))
        {
            ticks.Add(call.ResponseStream.Current);
        }

        return ticks;
    }

    private static int Pid(string text) => int.Parse(WorkerRegex().Match(text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"from worker (\d+)$")]
    private static partial Regex WorkerRegex();

    private sealed record CountdownRequest(int From, int IntervalMs);

    [Test]
    public async Task UnaryAndStreaming_OverCleartextHttp2_FromSeveralWorkers(CancellationToken ct)
    {
        // As the app asks (its appsettings.json: Http2), no flag needed.
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct);
        await using var owner = server;
        using var channel = GrpcChannel.ForAddress(url);

        var hello = await SayHello(channel, "gunicornet", ct);
        Assert.That(hello, Does.StartWith("Hello gunicornet from worker "));
        Assert.That(server.ReadyWorkers, Does.Contain(Pid(hello)));

        var ticks = await CountDown(channel, 5, 10, ct);
        Assert.That(ticks.Select(t => t.Split(' ')[0]), Is.EqualTo(new[] { "5", "4", "3", "2", "1" }));
    }

    [Test]
    public async Task ThroughNginxGrpcPass_WithTheKitsBlock(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct, "--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge");
        await using var owner = server;
        Assert.That((await Http.Get(url, "/", ct)).Body, Does.StartWith("Greeter speaks gRPC"), "HTTP/1.1 on the same listener");

        using var temp = new TempDirectory("gunicornet-grpc-nginx");
        var kit = File.ReadAllText(Path.Combine(Paths.Root, "scripts", "nginx", "hbnb.conf"));
        var block = Regex.Match(kit, "#grpc:begin\n(.*)#grpc:end", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(block, Does.Contain("grpc_pass"), "the kit has the gRPC block");
        string Site(int port) => Regex.Replace(block, "(?m)^#", "")
            .Replace("listen 50051 http2;", $"listen 127.0.0.1:{port} http2;", StringComparison.Ordinal)
            .Replace("127.0.0.1:5004", $"127.0.0.1:{url.Port}", StringComparison.Ordinal);

        var (nginx, front) = await Nginx.Start(temp, Site, async (u, token) =>
        {
            using var probe = GrpcChannel.ForAddress(u);
            return (await SayHello(probe, "probe", token)).StartsWith("Hello", StringComparison.Ordinal);
        });
        try
        {
            using var channel = GrpcChannel.ForAddress(front);
            Assert.That(await SayHello(channel, "nginx", ct), Does.StartWith("Hello nginx from worker "));
            Assert.That(await CountDown(channel, 3, 10, ct), Has.Count.EqualTo(3));
        }
        finally
        {
            await Nginx.Stop(nginx);
        }
    }

    [Test]
    public async Task AcrossAHup_AStreamFinishes_AndCallsGoOnToTheNewGeneration(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(App, workers: 2, ct);
        await using var owner = server;
        using var channel = GrpcChannel.ForAddress(url);
        Assert.That(await SayHello(channel, "warm", ct), Does.StartWith("Hello warm"));

        // A stream of 30 ticks, 100 ms apart, open across the reload on one long-lived connection.
        var stream = CountDown(channel, 30, 100, ct);
        var calls = 0;
        var clock = Stopwatch.StartNew();
        server.Signal(Signal.Hup);
        var reloaded = server.WaitForReload(2, ct);
        while (!reloaded.IsCompleted || clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            Assert.That(await SayHello(channel, $"call {calls}", ct), Does.StartWith($"Hello call {calls} "));
            calls++;
        }

        await reloaded;
        var ticks = await stream;
        Assert.That(ticks, Has.Count.EqualTo(30), "the stream ran to its end on the retiring worker");
        Assert.That(ticks.Select(Pid).Distinct().Count(), Is.EqualTo(1));

        var after = await SayHello(channel, "after", ct);
        Assert.That(server.ReadyGenerations.GetValueOrDefault(Pid(after)), Is.EqualTo(2), "the same channel reaches the new generation");
        Assert.That(calls, Is.GreaterThan(0));
    }
}
