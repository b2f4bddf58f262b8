using System.Globalization;

namespace Gunicornet.Tests.Support;

/// <summary>
/// Our corpus of requests, <c>Corpus/hostile/RULE/NAME.http</c>: one folder per production of the
/// grammar (listed with its RFC sections and gunicorn's behaviour in <c>rules.tsv</c>), one request
/// per file. A file starts with <c># expect: STATUS...</c> (the statuses Gunicornet answers with, in
/// order), optionally <c># kestrel: STATUS...|none</c> (what Kestrel alone answers, where that
/// differs), and <c># why: ...</c>; then the bytes in the corpus's escapes (<see cref="RawHttp.Decode"/>).
/// </summary>
internal static class HostileCorpus
{
    /// <summary>The corpus folder.</summary>
    public static string Folder { get; } = Path.Combine(Paths.Root, "Gunicornet.Tests", "Corpus", "hostile");

    /// <summary>Every case, ordered by rule and name.</summary>
    public static IReadOnlyList<HostileCase> Cases { get; } = Load();

    /// <summary>The rules, in their table's order: (rule, RFC sections, what gunicorn does).</summary>
    public static IReadOnlyList<(string Rule, string Rfc, string Gunicorn)> Rules { get; } =
        File.ReadAllLines(Path.Combine(Folder, "rules.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Skip(1)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[1], p[2]))
            .ToList();

    private static List<HostileCase> Load() =>
        Directory.EnumerateFiles(Folder, "*.http", SearchOption.AllDirectories)
            .Select(Read)
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();

    private static HostileCase Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines.TakeWhile(l => l.StartsWith("# ", StringComparison.Ordinal))
            .Select(l => l[2..].Split(':', 2))
            .ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
        var id = Path.GetRelativePath(Folder, path).Replace(Path.DirectorySeparatorChar, '/')[..^".http".Length];
        if (!header.TryGetValue("expect", out var expect) || !header.TryGetValue("why", out var why) || why.Length == 0)
        {
            throw new InvalidDataException($"{id}: a case says what it expects and why");
        }

        var kestrel = header.TryGetValue("kestrel", out var k) ? Statuses(k) : Statuses(expect);
        return new HostileCase(id, id[..id.IndexOf('/', StringComparison.Ordinal)], Statuses(expect), kestrel, why,
            RawHttp.Decode(string.Join("\n", lines.Skip(header.Count))));
    }

    private static int[] Statuses(string text) => text == "none"
        ? []
        : text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

/// <summary>One request of the corpus.</summary>
/// <param name="Id">RULE/NAME.</param>
/// <param name="Rule">The production it tests (its folder).</param>
/// <param name="Expect">The statuses Gunicornet answers with.</param>
/// <param name="Kestrel">The statuses Kestrel alone (<c>--http-grammar kestrel</c>) answers with.</param>
/// <param name="Why">Why that is right.</param>
/// <param name="Request">The bytes.</param>
internal sealed record HostileCase(string Id, string Rule, int[] Expect, int[] Kestrel, string Why, byte[] Request)
{
    /// <summary>True when every answer is a success: the case is one to serve.</summary>
    public bool Served => Expect.Length > 0 && Expect.All(s => s / 100 == 2);

    /// <inheritdoc />
    public override string ToString() => Id;
}
