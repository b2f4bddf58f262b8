using Gunicornet.Ipc;

namespace Gunicornet.Tests.Ipc;

/// <summary>The control pipe's line format.</summary>
[TestFixture]
public sealed class ControlMessageTests
{
    private static IEnumerable<object> Messages()
    {
        yield return new Booted();
        yield return new Ready();
        yield return new Ready(52_112);
        yield return new Heartbeat(12345678901, 7, 250, 183_456);
        yield return new Exiting("max requests reached");
        yield return new Failed("App failed to load: type 'Nope' not found");
    }

    [TestCaseSource(nameof(Messages))]
    public void EveryMessage_SurvivesTheRoundTrip(object sample)
    {
        var message = (ControlMessage)sample;
        var line = message.Format();

        Assert.That(line, Does.Not.Contain('\n'));
        Assert.That(ControlMessage.Parse(line), Is.EqualTo(message));
    }

    [Test]
    public void Heartbeat_HasReadableFields() =>
        Assert.That(new Heartbeat(3, 1, 20, 4096).Format(), Is.EqualTo("heartbeat served=3 inflight=1 oldest_ms=20 rss_kb=4096"));

    [Test]
    public void Ready_SaysTheWorkersSizeAtBoot_AndAReadyWithoutItStillParses()
    {
        Assert.That(new Ready(4096).Format(), Is.EqualTo("ready rss_kb=4096"));
        Assert.That(ControlMessage.Parse("ready"), Is.EqualTo(new Ready(0)));
        Assert.That(ControlMessage.Parse("ready rss_kb=x"), Is.Null);
    }

    [Test]
    public void Failed_KeepsItsMessageOnOneLine() =>
        Assert.That(ControlMessage.Parse(new Failed("a\r\nb").Format()), Is.EqualTo(new Failed("a b")));

    [Test]
    public void Exiting_KeepsItsReasonOnOneLine() =>
        Assert.That(ControlMessage.Parse(new Exiting("a\nb").Format()), Is.EqualTo(new Exiting("a b")));

    [TestCase("")]
    [TestCase("hello")]
    [TestCase("heartbeat served=x")]
    [TestCase("heartbeat served")]
    public void UnknownOrMalformedLines_AreIgnored(string line) =>
        Assert.That(ControlMessage.Parse(line), Is.Null);

    [Test]
    public void UnknownHeartbeatFields_AreSkipped_SoANewerWorkerCanAddSome() =>
        Assert.That(ControlMessage.Parse("heartbeat served=1 inflight=0 oldest_ms=0 future=5"), Is.EqualTo(new Heartbeat(1, 0, 0)));
}
