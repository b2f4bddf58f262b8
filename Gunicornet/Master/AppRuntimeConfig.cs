using System.Text.Json;

namespace Gunicornet.Master;

/// <summary>
/// What a worker takes from the app's <c>runtimeconfig.json</c>. The worker runs on Gunicornet's own
/// runtime configuration (invariant globalization: the master needs no cultures), so the app's is read
/// here for the settings the runtime also takes from the environment, which wins over any
/// runtimeconfig: globalization. An app gets ICU's cultures unless it was built invariant, as it would
/// alone.
/// </summary>
internal static class AppRuntimeConfig
{
    /// <summary>
    /// <c>KEY=VALUE</c> variables that give a worker the app's globalization: what its
    /// runtimeconfig.json (beside <paramref name="assemblyPath"/>) says, or the runtime's defaults
    /// where it says nothing or there is none (a class library).
    /// </summary>
    public static string[] Environment(string assemblyPath)
    {
        var properties = ConfigProperties(Path.ChangeExtension(assemblyPath, ".runtimeconfig.json"));
        var invariant = Flag(properties, "System.Globalization.Invariant") ?? false;
        var predefinedOnly = Flag(properties, "System.Globalization.PredefinedCulturesOnly") ?? invariant;
        return
        [
            "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=" + (invariant ? "true" : "false"),
            "DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY=" + (predefinedOnly ? "true" : "false"),
        ];
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
