using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// Keep-alive connections spread evenly over the workers (DESIGN §2): without balancing, one of two
/// workers was measured holding 91% of them.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SpreadTests
{
    [TestCase(2)]
    [TestCase(3)]
    public async Task UnderKeepAliveLoad_NoWorkerServesMoreThanOneAndAHalfTimesItsShare_AndNoneIsIdle(int workers, CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers, ct);
        await using var _ = server;
        var load = KeepAliveLoad.Start(url.Port, connections: 12 * workers, path: "/pid");
        await Wait.Until(() => load.Succeeded > 3000 * workers, TimeSpan.FromSeconds(30), "enough requests", ct, load.ToString);
        await load.StopAsync();

        var counts = server.LiveWorkers().ToDictionary(p => p, p => load.Bodies.GetValueOrDefault(p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var share = (double)counts.Values.Sum() / workers;
        var spread = string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"));

        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(counts.Values, Is.All.GreaterThan(0), "no idle worker: " + spread);
        Assert.That(counts.Values.Max(), Is.LessThanOrEqualTo(1.5 * share), "within 1.5x of the fair share: " + spread);
    }
}
