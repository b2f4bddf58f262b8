using System.Text.Json;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// A bounded run of <c>scripts/fuzz</c>: AFL++ drives the connection layer's grammar for 60 s with
/// coverage, every input it keeps is judged again by h11, and what the two disagree on is either a
/// difference docs/http-conformance.md argues, or a finding that fails the run.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(300_000)]
public sealed class FuzzTests
{
    [Test]
    public async Task ABoundedRun_FindsNoCrash_AndNoDifferenceFromH11ThatIsNotArgued(CancellationToken ct)
    {
        using var work = new TempDirectory("gunicornet-fuzz-test");

        var (code, output) = await Command.Run(ct, Path.Combine(Paths.Root, "scripts", "fuzz"), "--seconds", "60", "--out", work.Path);

        Assert.That(code, Is.Zero, output);
        var figures = output.Split('\n').Single(l => l.StartsWith("fuzz: ", StringComparison.Ordinal) && l.Contains("executions", StringComparison.Ordinal));
        var executions = long.Parse(figures["fuzz: ".Length..figures.IndexOf(' ', "fuzz: ".Length)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(executions, Is.GreaterThan(10_000), figures);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(work.File("differential.json"), ct));
        var root = summary.RootElement;
        Assert.That(root.GetProperty("findings").GetArrayLength(), Is.Zero, root.GetProperty("findings").ToString());
        Assert.That(root.GetProperty("inputs").GetInt32(), Is.GreaterThan(HostileCorpus.Cases.Count), "the queue holds the seeds and what AFL found beyond them");
        var doc = await File.ReadAllTextAsync(Path.Combine(Paths.Root, "docs", "http-conformance.md"), ct);
        foreach (var known in root.GetProperty("known").EnumerateArray())
        {
            var name = known.GetProperty("difference").GetString()!;
            Assert.That(doc, Does.Contain(name), "each difference from h11 is argued in docs/http-conformance.md");
        }
    }
}
