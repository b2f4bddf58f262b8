using System.Diagnostics;
using System.Text.Json;

namespace Gunicornet.Config;

/// <summary>
/// Reads a gunicorn <c>.py</c> config the way gunicorn does: by running it with Python. A small, fixed
/// helper executes the file (its folder as the working directory, the config's own prints sent to
/// stderr) and prints, as JSON, the module's names that are settings, with their values; a function
/// named as a server hook is listed as a hook. It runs with the environment the server was started
/// with (a config reads os.environ). Other names (modules, helper variables) are left, as
/// gunicorn leaves them.
/// </summary>
internal static class PythonRunner
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>The helper: argv[1] is the config file, argv[2] the JSON list of the names to report.</summary>
    private const string Helper = """
        import json, os, sys, traceback, types
        path = os.path.abspath(sys.argv[1])
        names = set(json.loads(sys.argv[2]))
        out = sys.stdout
        sys.stdout = sys.stderr
        os.chdir(os.path.dirname(path))
        sys.path.insert(0, os.getcwd())
        scope = {"__file__": path, "__name__": "__config__"}
        def fail(message, line):
            out.write(json.dumps({"error": message, "line": line}))
            sys.exit(0)
        try:
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec")
            exec(code, scope)
        except SyntaxError as e:
            fail("SyntaxError: %s" % e.msg, e.lineno)
        except SystemExit as e:
            fail("the config called sys.exit(%s)" % (e.code,), None)
        except BaseException as e:
            frames = [f.lineno for f in traceback.extract_tb(e.__traceback__) if f.filename == path]
            fail("%s: %s" % (type(e).__name__, e), frames[-1] if frames else None)
        def plain(value):
            if value is None or isinstance(value, (bool, int, float, str)):
                return True
            if isinstance(value, (list, tuple)):
                return all(plain(v) for v in value)
            if isinstance(value, dict):
                return all(isinstance(k, str) and plain(v) for k, v in value.items())
            return False
        settings, hooks, others = [], [], []
        for name, value in scope.items():
            if isinstance(value, types.ModuleType) or name.startswith("_"):
                continue
            if name not in names:
                if not callable(value):
                    others.append(name)
                continue
            if callable(value):
                code = getattr(value, "__code__", None)
                hooks.append({"name": name, "line": code.co_firstlineno if code else None})
            elif plain(value):
                settings.append({"name": name, "value": value})
            else:
                fail("%s: a %s is no setting's value (a string, a number, True, False, None, a list or a dict)" % (name, type(value).__name__), None)
        out.write(json.dumps({"settings": settings, "hooks": hooks, "others": others}))
        """;

    /// <summary>The python3 on <paramref name="path"/> (the PATH variable's value), or null when there is none.</summary>
    public static string? Find(string? path) =>
        (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "python3"))
            .FirstOrDefault(candidate => File.Exists(candidate) && (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0);

    /// <summary>A setting or hook the config defines: its name, its value as JSON (null for a hook or None), and the line where it is set, when known.</summary>
    public sealed record Entry(string Name, JsonElement? Value, int? Line, bool Hook);

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="python"/>; the names of <paramref name="names"/>
    /// it sets, or null and the error. <paramref name="others"/> gets the other names it sets (helper
    /// variables, or typos of a setting's name).
    /// </summary>
    public static List<Entry>? Run(string python, string file, IEnumerable<string> names, IReadOnlyDictionary<string, string?> environment, out string? error, out List<string> others)
    {
        error = null;
        others = [];
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Helper);
        start.ArgumentList.Add(Path.GetFullPath(file));
        start.ArgumentList.Add(JsonSerializer.Serialize(names.ToArray(), ConfigJson.Default.StringArray));
        string output;
        string errors;
        using (var process = Process.Start(start)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                error = $"did not finish within {Limit.TotalSeconds:0} s when run with {python}";
                return null;
            }

            output = stdout.GetAwaiter().GetResult();
            errors = stderr.GetAwaiter().GetResult();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(output);
        }
        catch (JsonException)
        {
            error = $"could not be run with {python}: {errors.Trim().Split('\n')[^1]}";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var failure))
            {
                error = (root.GetProperty("line") is { ValueKind: JsonValueKind.Number } line ? $"line {line.GetInt32()}: " : "") + failure.GetString();
                return null;
            }

            others = root.GetProperty("others").EnumerateArray().Select(o => o.GetString()!).ToList();
            var text = File.ReadAllLines(file);
            return root.GetProperty("settings").EnumerateArray()
                .Select(s => new Entry(s.GetProperty("name").GetString()!, s.GetProperty("value").ValueKind == JsonValueKind.Null ? null : s.GetProperty("value").Clone(), LineOf(text, s.GetProperty("name").GetString()!), Hook: false))
                .Concat(root.GetProperty("hooks").EnumerateArray()
                    .Select(h => new Entry(h.GetProperty("name").GetString()!, null, h.GetProperty("line") is { ValueKind: JsonValueKind.Number } line ? line.GetInt32() : null, Hook: true)))
                .ToList();
        }
    }

    /// <summary>The line of the last assignment to <paramref name="name"/> at the start of a line, if there is one.</summary>
    private static int? LineOf(string[] lines, string name)
    {
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            var line = lines[i];
            if (line.StartsWith(name, StringComparison.Ordinal) && line[name.Length..].TrimStart() is ['=', not '=', ..] or ['=']
                || line.StartsWith(name, StringComparison.Ordinal) && line[name.Length..].TrimStart().StartsWith("+=", StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        return null;
    }
}

/// <summary>The JSON the config readers write, generated at build time.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class ConfigJson : System.Text.Json.Serialization.JsonSerializerContext;
