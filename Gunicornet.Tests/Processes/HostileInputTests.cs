using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// Our corpus of malformed, hostile and well-formed requests (<see cref="HostileCorpus"/>), sent byte
/// for byte to a worker: each gets exactly the answers its file expects, a refusal closes the
/// connection (nothing smuggled behind it is answered), and the worker survives. The same corpus
/// against Kestrel alone (<c>--http-grammar kestrel</c>) must answer as each file records, so that
/// docs/http-conformance.md's "Kestrel alone" column stays true.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class HostileInputTests
{
    private ServerProcess _server = null!;
    private Uri _url = null!;
    private int _worker;

    public static IEnumerable<TestCaseData> Cases() =>
        HostileCorpus.Cases.Select(c => new TestCaseData(c.Id).SetName(c.Id));

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
    public async Task IsAnsweredAsItsFileExpects(string id, CancellationToken ct)
    {
        var request = HostileCorpus.Cases.Single(c => c.Id == id);

        var (statuses, closed) = await RawHttp.Exchange(_url.Port, request.Request, ct);

        Assert.That(statuses, Is.EqualTo(request.Expect), request.Why);
        Assert.That(closed, Is.True, request.Served ? "Connection: close was asked for" : "a refusal closes the connection");
        Assert.That(_server.LiveWorkers(), Is.EqualTo(new[] { _worker }), "the worker survives");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task KestrelAlone_AnswersAsEachFileRecords(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(
            Paths.TestApp("testapp") + ":TestApp.EchoApp", workers: 1, ct, "--http-grammar", "kestrel");
        await using var _ = server;

        using var gate = new SemaphoreSlim(16);
        var answers = await Task.WhenAll(HostileCorpus.Cases.Select(async request =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return (request, (await RawHttp.Exchange(url.Port, request.Request, ct)).Statuses);
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.Multiple(() =>
        {
            foreach (var (request, statuses) in answers)
            {
                Assert.That(statuses, Is.EqualTo(request.Kestrel), $"{request.Id}: Kestrel alone, as its '# kestrel:' line says (none: as '# expect:')");
            }
        });
    }
}
