using Gunicornet.Tests.Support;

namespace Gunicornet.Fuzz;

/// <summary>The fuzzer's first inputs: every request of the given corpora (<c>.http</c> files in the corpus's escapes), as raw bytes.</summary>
internal static class Seeds
{
    public static int Run(string output, string[] corpora)
    {
        Directory.CreateDirectory(output);
        var count = 0;
        foreach (var file in corpora.SelectMany(c => Directory.EnumerateFiles(c, "*.http", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
        {
            var text = string.Join("\n", File.ReadAllLines(file, System.Text.Encoding.Latin1).SkipWhile(l => l.StartsWith("# ", StringComparison.Ordinal)));
            File.WriteAllBytes(Path.Combine(output, $"{count++:D4}-{Path.GetFileNameWithoutExtension(file)}"), RawHttp.Decode(text));
        }

        Console.WriteLine($"{count} seeds in {output}");
        return 0;
    }
}
