using System.Text.Json;

namespace Gunicornet.Config;

/// <summary>
/// A JSON configuration file (<c>-c/--config</c>): one object whose keys are the settings' names, as
/// in gunicorn (<c>{"bind": ["0.0.0.0:5000"], "workers": 3}</c>). Its values replace the defaults;
/// the command line still wins over them.
/// </summary>
internal static class ConfigFile
{
    /// <summary>Reads <paramref name="path"/>; on failure, <paramref name="error"/> says what and where.</summary>
    public static Dictionary<string, JsonElement>? Read(string path, out string? error)
    {
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"config file '{path}' can't be read: {e.Message}";
            return null;
        }
        catch (JsonException e)
        {
            error = $"config file '{path}' is not valid JSON (line {e.LineNumber + 1}): {e.Message.Split(" LineNumber")[0]}";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"config file '{path}' must hold one JSON object of settings";
                return null;
            }

            var known = Settings.All.ToDictionary(s => s.Name, StringComparer.Ordinal);
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!known.TryGetValue(property.Name, out var setting))
                {
                    error = $"config file '{path}': unknown setting '{property.Name}'";
                    return null;
                }

                // Checked even when the command line overrides it: a bad file is refused whole.
                if (setting.CheckFileValue(property.Value) is { } problem)
                {
                    error = $"config file '{path}': {property.Name}: {problem}";
                    return null;
                }

                values[property.Name] = property.Value.Clone();
            }

            return values;
        }
    }

    /// <summary>Converts one value to the setting's type; throws <see cref="FormatException"/> naming what was expected.</summary>
    public static T Convert<T>(JsonElement value)
    {
        object? converted = typeof(T) switch
        {
            var t when t == typeof(int) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) => i,
            var t when t == typeof(string) && value.ValueKind == JsonValueKind.String => value.GetString(),
            var t when t == typeof(string[]) && value.ValueKind == JsonValueKind.String => new[] { value.GetString()! },
            var t when t == typeof(string[]) && value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                => value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => throw new FormatException($"expected {Describe(typeof(T))}, got {value.GetRawText()}"),
        };
        return (T)converted!;
    }

    private static string Describe(Type type) =>
        type == typeof(int) ? "a whole number" : type == typeof(string[]) ? "a string or a list of strings" : "a string";
}
