using Gunicornet.Logging;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Tests.Logging;

/// <summary>The error log's line format is gunicorn's.</summary>
[TestFixture]
public sealed class GunicornFormatterTests
{
    [Test]
    public void FormatsLikeGunicorn()
    {
        var line = GunicornFormatter.Format(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), "1234", LogLevel.Information, "Booting worker with pid: 1240", null);

        Assert.That(line, Is.EqualTo("[2026-11-21 10:00:00 +0000] [1234] [INFO] Booting worker with pid: 1240\n"));
    }

    [Test]
    public void WritesTheLocalOffset_WithoutAColon()
    {
        var line = GunicornFormatter.Format(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5.5)), "1", LogLevel.Warning, "x", null);

        Assert.That(line, Does.StartWith("[2026-01-02 03:04:05 -0530] [1] [WARNING] x"));
    }

    [TestCase(LogLevel.Trace, "DEBUG")]
    [TestCase(LogLevel.Debug, "DEBUG")]
    [TestCase(LogLevel.Information, "INFO")]
    [TestCase(LogLevel.Warning, "WARNING")]
    [TestCase(LogLevel.Error, "ERROR")]
    [TestCase(LogLevel.Critical, "CRITICAL")]
    public void UsesGunicornsLevelNames(LogLevel level, string name) =>
        Assert.That(GunicornFormatter.LevelName(level), Is.EqualTo(name));

    [Test]
    public void PutsAnExceptionOnTheLinesAfterTheEntry()
    {
        var line = GunicornFormatter.Format(DateTimeOffset.UnixEpoch, "1", LogLevel.Error, "failed", new InvalidOperationException("boom"));

        Assert.That(line.Split('\n')[0], Does.EndWith("[ERROR] failed"));
        Assert.That(line, Does.Contain("System.InvalidOperationException: boom"));
    }
}
