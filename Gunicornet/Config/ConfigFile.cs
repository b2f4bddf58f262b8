using System.Text.Json;

namespace Gunicornet.Config;

/// <summary>
/// A configuration file (<c>-c/--config</c>): a JSON object whose keys are the settings' names, as in
/// gunicorn (<c>{"bind": ["0.0.0.0:5000"], "workers": 3}</c>), or a gunicorn <c>.py</c> config of
/// plain assignments (<see cref="PythonConfig"/>). Its values replace the defaults; the environment's
/// <c>GUNICORNET_CMD_ARGS</c> and the command line still win over them.
/// </summary>
internal static class ConfigFile
{
    /// <summary>
    /// Reads <paramref name="path"/>: JSON, or the assignments of a gunicorn <c>.py</c> config; on
    /// failure, <paramref name="error"/> says what and where.
    /// </summary>
    public static Dictionary<string, JsonElement>? Read(string path, List<string> warnings, out string? error)
    {
        error = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"config file '{path}' can't be read: {e.Message}";
            return null;
        }

        var entries = path.EndsWith(".py", StringComparison.OrdinalIgnoreCase) ? ReadPython(text, out error) : ReadJson(text, out error);
        if (entries is null)
        {
            error = $"config file '{path}' {error}";
            return null;
        }

        var known = Settings.All.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value, where, hook) in entries)
        {
            if (hook && GunicornOnly.Named(name) is null)
            {
                error = $"config file '{path}'{where}: def {name}: a Python function that is no gunicorn server hook; Gunicornet runs no Python";
                return null;
            }

            if (!known.TryGetValue(name, out var setting))
            {
                if (GunicornOnly.Named(name) is { } ignored)
                {
                    warnings.Add(ignored.Warning($"config file '{path}'{where}: {name}"));
                    continue;
                }

                error = $"config file '{path}'{where}: unknown setting '{name}'{Suggestions.DidYouMean(name, known.Keys)}";
                return null;
            }

            if (value is not { } present)
            {
                // Python's None: the default.
                values.Remove(name);
                continue;
            }

            // Checked even when the command line overrides it: a bad file is refused whole.
            if (setting.CheckFileValue(present) is { } problem)
            {
                error = $"config file '{path}'{where}: {name}: {problem}";
                return null;
            }

            values[name] = present;
        }

        return values;
    }

    private static List<(string Name, JsonElement? Value, string Where, bool Hook)>? ReadJson(string text, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "must hold one JSON object of settings";
                return null;
            }

            return document.RootElement.EnumerateObject().Select(p => (p.Name, (JsonElement?)p.Value.Clone(), "", false)).ToList();
        }
        catch (JsonException e)
        {
            error = $"is not valid JSON (line {e.LineNumber + 1}): {e.Message.Split(" LineNumber")[0]}";
            return null;
        }
    }

    private static List<(string Name, JsonElement? Value, string Where, bool Hook)>? ReadPython(string text, out string? error)
    {
        var assignments = PythonConfig.Parse(text, out error);
        return assignments?.Select(a => (a.Name, a.Value, $" line {a.Line}", a.Hook)).ToList();
    }

    /// <summary>Converts one value to the setting's type; throws <see cref="FormatException"/> naming what was expected.</summary>
    public static T Convert<T>(JsonElement value)
    {
        object? converted = typeof(T) switch
        {
            var t when t == typeof(int) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) => i,
            var t when t == typeof(bool) && value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
            var t when t == typeof(string) && value.ValueKind == JsonValueKind.String => value.GetString(),
            var t when t == typeof(string[]) && value.ValueKind == JsonValueKind.String => new[] { value.GetString()! },
            var t when t == typeof(string[]) && value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                => value.EnumerateArray().Select(e => e.GetString()!).ToArray(),

            // A dict ({"X-FORWARDED-PROTO": "https"}) as KEY=VALUE entries, as the command line gives them.
            var t when t == typeof(string[]) && value.ValueKind == JsonValueKind.Object && value.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.String)
                => value.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).ToArray(),
            _ => throw new FormatException($"expected {Describe(typeof(T))}, got {value.GetRawText()}"),
        };
        return (T)converted!;
    }

    private static string Describe(Type type) =>
        type == typeof(int) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string[]) ? "a string, a list of strings or a dict of strings"
        : "a string";
}
