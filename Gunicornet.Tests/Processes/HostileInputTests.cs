using System.Globalization;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// Malformed and hostile requests, one per file in <c>Corpus/hostile</c> (<c># expect: STATUS</c>,
/// <c># why: ...</c>, then the bytes in the corpus's escapes): each gets exactly that one answer,
/// a refusal closes the connection (nothing smuggled behind it is answered), and the worker survives.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class HostileInputTests
{
    private static readonly string Folder = Path.Combine(Paths.Root, "Gunicornet.Tests", "Corpus", "hostile");

    private ServerProcess _server = null!;
    private Uri _url = null!;
    private int _worker;

    public static IEnumerable<TestCaseData> Cases() =>
        Directory.EnumerateFiles(Folder, "*.http").Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(Path.GetFileName(f)).SetName(Path.GetFileNameWithoutExtension(f)));

    [OneTimeSetUp]
    public async Task StartServer()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        (_server, _url) = await ServerProcess.StartReady(Paths.TestApp("testapp") + ":TestApp.EchoApp", workers: 1, timeout.Token);
        _worker = _server.LiveWorkers().Single();
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [TestCaseSource(nameof(Cases))]
    public async Task IsAnsweredAsItsFileExpects(string file, CancellationToken ct)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(Folder, file), ct);
        var expected = int.Parse(lines[0]["# expect: ".Length..], CultureInfo.InvariantCulture);
        Assert.That(lines[1], Does.StartWith("# why: "), "each case says why");
        var request = RawHttp.Decode(string.Join("\n", lines.Skip(2)));

        var (statuses, closed) = await RawHttp.Exchange(_url.Port, request, ct);

        Assert.That(statuses, Is.EqualTo(new[] { expected }), "one answer, the expected one");
        Assert.That(closed, Is.True, expected / 100 == 2 ? "Connection: close was asked for" : "a refusal closes the connection");
        Assert.That(_server.LiveWorkers(), Is.EqualTo(new[] { _worker }), "the worker survives");
    }
}
