using System.Text;
using Gunicornet.Logging;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Logging;

/// <summary>The error log's writer when the disk is full: serving goes on, the failure is said once, the loss counted.</summary>
[TestFixture]
public sealed class StderrWriterTests
{
    [Test]
    public void AFailingLog_IsSaidOnce_ThenTheLostLinesAreCountedInTheLogWhenItWorksAgain()
    {
        var log = new FlakyStream { Failing = true };
        var said = new List<string>();
        using var writer = new StderrWriter(log, new FakeTimeProvider());
        writer.SayFailuresTo(said.Add);

        writer.Write("one\n");
        writer.Write("two\n");
        writer.Write("three\n");

        Assert.That(said, Has.Count.EqualTo(1), "said once for three lost lines");
        Assert.That(said[0], Does.Contain("[ERROR] Can't write the error log (No space left on device)"));
        Assert.That(said[0], Does.EndWith("serving goes on" + Environment.NewLine));
        Assert.That(writer.Lost, Is.EqualTo(3));

        log.Failing = false;
        writer.Write("four\n");

        var lines = log.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Does.Contain("[WARNING] 3 log line(s) could not be written (No space left on device) and are lost"));
        Assert.That(lines[1], Is.EqualTo("four"));
        Assert.That(writer.Lost, Is.Zero);

        log.Failing = true;
        writer.Write("five\n");
        Assert.That(said, Has.Count.EqualTo(2), "a new outage is said again");
    }

    [Test]
    public void WithNowhereToSayIt_AFailureIsStillNoException()
    {
        using var writer = new StderrWriter(new FlakyStream { Failing = true }, new FakeTimeProvider());

        Assert.DoesNotThrow(() => writer.WriteLine("lost"));
        Assert.That(writer.Lost, Is.EqualTo(1));
    }

    /// <summary>A log file on a disk that can fill up.</summary>
    private sealed class FlakyStream : MemoryStream
    {
        public bool Failing { get; set; }

        public string Text => Encoding.UTF8.GetString(ToArray());

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Failing)
            {
                throw new IOException("No space left on device : '/var/log/gunicornet/error.log'");
            }

            base.Write(buffer, offset, count);
        }
    }
}
