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
    /// Reads <paramref name="path"/>: JSON, or a gunicorn <c>.py</c> config, run with the python3 found
    /// on the PATH of <paramref name="environment"/>, else read for its plain assignments; on failure,
    /// <paramref name="error"/> says what and where.
    /// </summary>
    public static Dictionary<string, JsonElement>? Read(string path, List<string> warnings, out string? error, IReadOnlyDictionary<string, string?>? environment = null)
    {
        environment ??= new Dictionary<string, string?>();
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

        var known = Settings.All.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var python = path.EndsWith(".py", StringComparison.OrdinalIgnoreCase) ? PythonRunner.Find(environment.GetValueOrDefault("PATH")) : null;
        var entries = python is not null ? RunPython(python, path, known.Keys, environment, warnings, out error)
            : path.EndsWith(".py", StringComparison.OrdinalIgnoreCase) ? ReadPython(text, out error)
            : ReadJson(text, out error);
        if (entries is null)
        {
            error = $"config file '{path}' {error}";
            return null;
        }

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
        if (error is not null)
        {
            error += "; with python3 on the PATH, Gunicornet runs the config as gunicorn does, and reads any Python";
        }

        return assignments?.Select(a => (a.Name, a.Value, $" line {a.Line}", a.Hook)).ToList();
    }

    /// <summary>
    /// The settings a config sets when run with Python. Names that are no setting are left, as gunicorn
    /// leaves them; one that looks like a setting's name is warned about.
    /// </summary>
    private static List<(string Name, JsonElement? Value, string Where, bool Hook)>? RunPython(string python, string path, IEnumerable<string> settings, IReadOnlyDictionary<string, string?> environment, List<string> warnings, out string? error)
    {
        var names = settings.Concat(GunicornOnly.All.Select(s => s.Name)).ToList();
        var entries = PythonRunner.Run(python, path, names, environment, out error, out var others);
        foreach (var other in others)
        {
            if (Suggestions.DidYouMean(other, names) is { Length: > 0 } suggestion)
            {
                warnings.Add($"config file '{path}': '{other}' is no setting, and is left alone as gunicorn leaves it{suggestion}");
            }
        }

        return entries?.Select(e => (e.Name, e.Value, e.Line is { } line ? $" line {line}" : "", e.Hook)).ToList();
    }
}
