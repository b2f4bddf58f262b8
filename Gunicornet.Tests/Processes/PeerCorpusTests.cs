using System.Text;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// gunicorn's own request corpus (a copy of <c>../shared/gunicorn-requests</c>, MIT, in
/// <c>Corpus/gunicorn-requests</c>) sent byte for byte to a worker:
/// each case must end as <c>Corpus/gunicorn-requests.tsv</c> says (where that differs from gunicorn,
/// the file says why, and docs/http-conformance.md sums it up), and the worker must keep serving.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(240_000)]
public sealed class PeerCorpusTests
{
    private static readonly string CorpusRoot = Path.Combine(Paths.Root, "Gunicornet.Tests", "Corpus", "gunicorn-requests");

    [Test]
    public async Task EveryCase_EndsAsRecorded_AndTheWorkerSurvives(CancellationToken ct)
    {
        var recorded = File.ReadAllLines(Path.Combine(Paths.Root, "Gunicornet.Tests", "Corpus", "gunicorn-requests.tsv"))
            .Where(l => !l.StartsWith('#') && !l.StartsWith("file\t", StringComparison.Ordinal))
            .Select(l => l.Split('\t'))
            .ToDictionary(p => p[0], p => (Outcome: p[1], Reason: p[2]));
        var cases = File.ReadAllLines(Path.Combine(CorpusRoot, "expected.tsv")).Skip(1).Select(l => l.Split('\t')[0]).ToList();
        Assert.That(recorded.Keys, Is.EquivalentTo(cases), "every case of the corpus is recorded");

        var (server, url) = await ServerProcess.StartReady(
            Paths.TestApp("testapp") + ":TestApp.EchoApp", workers: 1, ct, "--keep-alive", "1");
        await using var _ = server;
        var worker = server.LiveWorkers().Single();

        using var gate = new SemaphoreSlim(16);
        var results = await Task.WhenAll(cases.Select(async name =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return (Name: name, Outcome: await Send(url.Port, RawHttp.Decode(await File.ReadAllTextAsync(Path.Combine(CorpusRoot, name), Encoding.Latin1, ct)), ct));
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.Multiple(() =>
        {
            foreach (var (name, outcome) in results.Where(r => recorded[r.Name].Outcome != "unjudged"))
            {
                Assert.That(outcome, Is.EqualTo(recorded[name].Outcome), name);
            }
        });
        Assert.That(server.LiveWorkers(), Is.EqualTo(new[] { worker }), "the same worker, still serving");
        Assert.That((await Http.Get(url, "/after", ct)).Status, Is.EqualTo(200));
    }

    /// <summary>"accept": a response, all 2xx. "refuse": no 2xx, at most one response, the connection closed. Anything else is described.</summary>
    private static async Task<string> Send(int port, byte[] request, CancellationToken ct)
    {
        var (statuses, closed) = await RawHttp.Exchange(port, request, ct);
        if (statuses.Count > 0 && statuses.All(s => s / 100 == 2))
        {
            return "accept";
        }

        return !statuses.Any(s => s / 100 == 2) && statuses.Count <= 1 && closed
            ? "refuse"
            : $"{statuses.Count} responses ({string.Join(", ", statuses)}), {(closed ? "closed" : "left open")}";
    }
}
