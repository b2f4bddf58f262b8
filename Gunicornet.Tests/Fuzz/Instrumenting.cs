namespace Gunicornet.Fuzz;

/// <summary>Adds AFL's coverage probes to the grammar's types only, so that the map is the grammar's branches.</summary>
internal static class Instrumenting
{
    public static int Run(string path)
    {
        SharpFuzz.Fuzzer.Instrument(path, type => type.StartsWith("Gunicornet.Worker.HttpGrammar", StringComparison.Ordinal), SharpFuzz.Options.Value);
        Console.WriteLine($"instrumented the HTTP grammar in {path}");
        return 0;
    }
}
