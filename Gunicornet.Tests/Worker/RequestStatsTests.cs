using Gunicornet.Worker;

namespace Gunicornet.Tests.Worker;

/// <summary>The counters a worker's heartbeat carries.</summary>
[TestFixture]
public sealed class RequestStatsTests
{
    [Test]
    public void CountsServedAndInFlight_AndAgesTheOldestRequest()
    {
        var stats = new RequestStats();
        Assert.That(stats.OldestInFlight, Is.EqualTo(TimeSpan.Zero));

        var first = stats.Begin();
        Thread.Sleep(30);
        var second = stats.Begin();
        Assert.That(stats.InFlight, Is.EqualTo(2));
        Assert.That(stats.OldestInFlight, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(30)), "the first request's age");

        var firstsAge = stats.OldestInFlight;
        stats.End(first);
        Assert.That(stats.OldestInFlight, Is.LessThan(firstsAge), "now the second one's, which started 30 ms later");
        stats.End(second);
        Assert.That((stats.Served, stats.InFlight, stats.OldestInFlight), Is.EqualTo((2L, 0, TimeSpan.Zero)));
    }
}
