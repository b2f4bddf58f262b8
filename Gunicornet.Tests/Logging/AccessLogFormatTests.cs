using System.Text;
using Gunicornet.Logging;

namespace Gunicornet.Tests.Logging;

/// <summary>gunicorn's access log atoms.</summary>
[TestFixture]
public sealed class AccessLogFormatTests
{
    private static readonly Dictionary<string, string> RequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Referer"] = "http://ref.example/",
        ["User-Agent"] = "curl/8",
        ["X-Trace"] = "abc",
        ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:secret")),
    };

    private static AccessEntry Entry(long? length = 11) => new(
        "10.0.0.7",
        "GET",
        "/states",
        "page=2",
        "HTTP/1.1",
        200,
        length,
        new DateTimeOffset(2026, 11, 21, 10, 0, 5, TimeSpan.FromHours(2)),
        TimeSpan.FromMilliseconds(1234.5678),
        name => RequestHeaders.GetValueOrDefault(name),
        name => name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) ? "text/html" : null,
        name => name.Equals("REMOTE_ADDR", StringComparison.OrdinalIgnoreCase) ? "10.0.0.7" : null);

    [Test]
    public void TheDefault_IsGunicornsCombinedFormat() =>
        Assert.That(AccessLogFormat.Parse(AccessLogFormat.Default).Format(Entry()), Is.EqualTo(
            "10.0.0.7 - alice [21/Nov/2026:10:00:05 +0200] \"GET /states?page=2 HTTP/1.1\" 200 11 \"http://ref.example/\" \"curl/8\""));

    [TestCase("h", "10.0.0.7")]
    [TestCase("l", "-")]
    [TestCase("u", "alice")]
    [TestCase("t", "[21/Nov/2026:10:00:05 +0200]")]
    [TestCase("r", "GET /states?page=2 HTTP/1.1")]
    [TestCase("m", "GET")]
    [TestCase("U", "/states")]
    [TestCase("q", "page=2")]
    [TestCase("H", "HTTP/1.1")]
    [TestCase("s", "200")]
    [TestCase("B", "11")]
    [TestCase("b", "11")]
    [TestCase("f", "http://ref.example/")]
    [TestCase("a", "curl/8")]
    [TestCase("T", "1")]
    [TestCase("M", "1234")]
    [TestCase("D", "1234567")]
    [TestCase("L", "1.234567")]
    [TestCase("{x-trace}i", "abc")]
    [TestCase("{x-missing}i", "-")]
    [TestCase("{content-type}o", "text/html")]
    [TestCase("{REMOTE_ADDR}e", "10.0.0.7")]
    [TestCase("{PATH}e", "-")]
    public void EachAtom(string atom, string expected) =>
        Assert.That(AccessLogFormat.Parse($"%({atom})s").Format(Entry()), Is.EqualTo(expected));

    [Test]
    public void ProcessId_IsInAngleBrackets() =>
        Assert.That(AccessLogFormat.Parse("%(p)s").Format(Entry()), Is.EqualTo($"<{Environment.ProcessId}>"));

    [Test]
    public void AProcessEnvironmentVariable_IsNoEnvironAtom()
    {
        // gunicorn's {NAME}e is the request's WSGI environ, not the process's environment.
        Environment.SetEnvironmentVariable("GUNICORNET_TEST_ATOM", "value");
        Assert.That(AccessLogFormat.Parse("%({GUNICORNET_TEST_ATOM}e)s").Format(Entry()), Is.EqualTo("-"));
    }

    [Test]
    public void TheDurations_AllTruncateOneCountOfMicroseconds_AsGunicornsDo()
    {
        // gunicorn: T = seconds, M = seconds * 1000 + microseconds // 1000, D = seconds * 1e6 +
        // microseconds, L = "%d.%06d" % (seconds, microseconds), of one timedelta.
        var entry = Entry() with { Duration = TimeSpan.FromTicks(29_999_999) };
        Assert.That(AccessLogFormat.Parse("%(T)s %(M)s %(D)s %(L)s").Format(entry), Is.EqualTo("2 2999 2999999 2.999999"));
    }

    [Test]
    public void TheRequestLine_IsTheRawTarget_AsSent() =>
        Assert.That(AccessLogFormat.Parse("%(r)s|%(U)s").Format(Entry() with { RawTarget = "/st%61tes?page=2", Path = "/states" }), Is.EqualTo("GET /st%61tes?page=2 HTTP/1.1|/states"));

    [Test]
    public void AnUnknownLength_IsADashForB_AndZeroForCapitalB() =>
        Assert.That(AccessLogFormat.Parse("%(b)s %(B)s").Format(Entry(length: null)), Is.EqualTo("- 0"));

    [Test]
    public void LiteralText_IsKept() =>
        Assert.That(AccessLogFormat.Parse("[%(s)s] took %(M)sms").Format(Entry()), Is.EqualTo("[200] took 1234ms"));

    [Test]
    public void OnlyAFormatThatShowsTheLength_CountsIt()
    {
        Assert.That(AccessLogFormat.Parse("%(h)s %(b)s").NeedsLength, Is.True);
        Assert.That(AccessLogFormat.Parse("%(h)s %(s)s").NeedsLength, Is.False);
    }

    [Test]
    public void AnUnknownAtom_IsAnErrorNamingIt() =>
        Assert.That(() => AccessLogFormat.Parse("%(h)s %(z)s"), Throws.TypeOf<FormatException>().With.Message.Contains("'%(z)s'"));
}
