using System.Text.Json;

namespace Gunicornet.Master;

/// <summary>
/// What a worker takes from the app's <c>runtimeconfig.json</c>. The worker runs on Gunicornet's own
/// runtime configuration (invariant globalization: the master needs no cultures), so the app's is read
/// here for the settings the runtime also takes from the environment, which wins over any
/// runtimeconfig: globalization, the garbage collector's mode and the JIT's tiers. An app gets ICU's
/// cultures unless it was built invariant, and server GC when it asks for it, as it would alone.
/// </summary>
internal static class AppRuntimeConfig
{
    /// <summary>The app's true/false runtime settings a worker honours, and the variable that carries each.</summary>
    private static readonly (string Property, string Variable)[] Relayed =
    [
        ("System.GC.Server", "gcServer"),
        ("System.GC.Concurrent", "gcConcurrent"),
        ("System.GC.RetainVM", "GCRetainVM"),
        ("System.Runtime.TieredCompilation", "TieredCompilation"),
        ("System.Runtime.TieredCompilation.QuickJit", "TC_QuickJit"),
        ("System.Runtime.TieredCompilation.QuickJitForLoops", "TC_QuickJitForLoops"),
        ("System.Runtime.TieredPGO", "TieredPGO"),
    ];

    /// <summary>As <see cref="Environment(string, IReadOnlyDictionary{string, string?})"/>, with the master's environment.</summary>
    public static string[] Environment(string assemblyPath) =>
        Environment(assemblyPath, System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal));

    /// <summary>
    /// <c>KEY=VALUE</c> variables that give a worker the app's runtime settings: its globalization (what
    /// its runtimeconfig.json beside <paramref name="assemblyPath"/> says, or the runtime's defaults
    /// where it says nothing or there is none, as for a class library), the GC and JIT settings it
    /// sets. A GC or JIT variable already in <paramref name="environment"/> (the operator's, which the
    /// workers inherit) is left to it: the operator's environment wins over the app's runtimeconfig, as
    /// it does for an app run alone. Where neither says anything, the runtime's defaults hold.
    /// </summary>
    public static string[] Environment(string assemblyPath, IReadOnlyDictionary<string, string?> environment)
    {
        var properties = ConfigProperties(Path.ChangeExtension(assemblyPath, ".runtimeconfig.json"));
        var invariant = Flag(properties, "System.Globalization.Invariant") ?? false;
        var predefinedOnly = Flag(properties, "System.Globalization.PredefinedCulturesOnly") ?? invariant;
        var variables = new List<string>
        {
            "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=" + (invariant ? "true" : "false"),
            "DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY=" + (predefinedOnly ? "true" : "false"),
        };
        foreach (var (property, variable) in Relayed)
        {
            if (Flag(properties, property) is { } set && !environment.ContainsKey("DOTNET_" + variable) && !environment.ContainsKey("COMPlus_" + variable))
            {
                variables.Add($"DOTNET_{variable}={(set ? 1 : 0)}");
            }
        }

        return [.. variables];
    }

    private static bool? Flag(Dictionary<string, bool> properties, string name) => properties.TryGetValue(name, out var value) ? value : null;

    /// <summary>The true/false entries of <c>runtimeOptions.configProperties</c>; none when the file is missing or unreadable.</summary>
    private static Dictionary<string, bool> ConfigProperties(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.TryGetProperty("runtimeOptions", out var options) && options.TryGetProperty("configProperties", out var properties)
                ? properties.EnumerateObject().Where(p => p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False).ToDictionary(p => p.Name, p => p.Value.GetBoolean())
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }
}
