using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Codebase;

/// <summary>
/// The shape of our corpus (<see cref="HostileCorpus"/>): every production of the grammar has a
/// request to serve and requests to refuse, and docs/http-conformance.md's table is the corpus's.
/// </summary>
[TestFixture]
public sealed class HostileCorpusTests
{
    private static readonly string Doc = Path.Combine(Paths.Root, "docs", "http-conformance.md");
    private const string TableStart = "<!-- corpus table: generated from Corpus/hostile by HostileCorpusTests (UPDATE_CONFORMANCE_DOC=1 scripts/test --filter HostileCorpusTests) -->";
    private const string TableEnd = "<!-- end of corpus table -->";

    [Test]
    public void EveryRuleFolder_IsInTheRulesTable_AndTheOtherWayRound()
    {
        var folders = Directory.EnumerateDirectories(HostileCorpus.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.That(folders, Is.EqualTo(HostileCorpus.Rules.Select(r => r.Rule).Order(StringComparer.Ordinal)));
        Assert.That(Directory.EnumerateFiles(HostileCorpus.Folder, "*.http"), Is.Empty, "every case sits in its rule's folder");
    }

    [Test]
    public void EveryRule_HasARequestToServe_AndOneToRefuse()
    {
        Assert.Multiple(() =>
        {
            foreach (var (rule, _, _) in HostileCorpus.Rules)
            {
                var cases = HostileCorpus.Cases.Where(c => c.Rule == rule).ToList();
                Assert.That(cases.Any(c => c.Served), Is.True, $"{rule}: a valid case that must be served");
                Assert.That(cases.Any(c => !c.Served), Is.True, $"{rule}: an invalid case that must be refused");
            }
        });
    }

    [Test]
    public void TheConformanceTable_IsTheCorpus()
    {
        var text = File.ReadAllText(Doc);
        var start = text.IndexOf(TableStart, StringComparison.Ordinal);
        var end = text.IndexOf(TableEnd, StringComparison.Ordinal);
        Assert.That(start >= 0 && end > start, Is.True, $"{Doc} holds the table's markers");
        var table = Table();
        var current = text[(start + TableStart.Length)..end];
        if (Environment.GetEnvironmentVariable("UPDATE_CONFORMANCE_DOC") == "1" && current != table)
        {
            File.WriteAllText(Doc, text[..(start + TableStart.Length)] + table + text[end..]);
            current = table;
        }

        Assert.That(current, Is.EqualTo(table), "docs/http-conformance.md's table is stale: regenerate it with UPDATE_CONFORMANCE_DOC=1 scripts/test --filter HostileCorpusTests");
    }

    /// <summary>Rule, RFC, cases, Kestrel alone, Gunicornet, gunicorn: one row a rule.</summary>
    private static string Table()
    {
        var rows = new List<string>
        {
            "",
            "| rule | RFC | cases (served / refused) | Kestrel alone, where it differs | Gunicornet's refusals | gunicorn 26.1 |",
            "|---|---|---|---|---|---|",
        };
        foreach (var (rule, rfc, gunicorn) in HostileCorpus.Rules)
        {
            var cases = HostileCorpus.Cases.Where(c => c.Rule == rule).ToList();
            var refused = cases.Where(c => !c.Served).ToList();
            var differs = cases.Where(c => !c.Kestrel.SequenceEqual(c.Expect)).ToList();
            var kestrel = differs.Count == 0
                ? "—"
                : string.Join("; ", differs.Select(c => $"`{Name(c)}` {Answers(c.Kestrel)}"));
            var statuses = string.Join(", ", refused.Select(c => c.Expect.Last()).Distinct().Order());
            rows.Add($"| {rule} | {rfc} | {cases.Count - refused.Count} / {refused.Count} | {kestrel} | {statuses} | {Cell(gunicorn)} |");
        }

        rows.Add("");
        return string.Join("\n", rows);
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Name(HostileCase c) => c.Id[(c.Rule.Length + 1)..];

    private static string Answers(int[] statuses) => statuses.Length == 0 ? "unanswered" : string.Join(" ", statuses);
}
