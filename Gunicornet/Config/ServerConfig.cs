using System.Text.Json;

namespace Gunicornet.Config;

/// <summary>
/// The resolved configuration (gunicorn's <c>cfg</c>): every setting's value after precedence, read by
/// the setting (<c>config.Get(Settings.Workers)</c>). The master runs on it and hands it to each worker
/// as it is; no other type restates the settings.
/// </summary>
internal sealed class ServerConfig
{
    private static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();
    private readonly Dictionary<string, object?> _values;

    /// <summary>Creates a configuration; a setting <paramref name="values"/> lacks has its default.</summary>
    /// <param name="app">The app to serve: <c>PATH/TO/Assembly.dll[:Namespace.Type]</c>.</param>
    /// <param name="startDirectory">The directory the command started in, which relative TLS paths are read from.</param>
    /// <param name="values">The settings' values by name, of each setting's type.</param>
    public ServerConfig(string app, string startDirectory, IReadOnlyDictionary<string, object?> values)
    {
        App = app;
        StartDirectory = startDirectory;
        _values = new Dictionary<string, object?>(values, StringComparer.Ordinal);
    }

    /// <summary>The app to serve: <c>PATH/TO/Assembly.dll[:Namespace.Type]</c>.</summary>
    public string App { get; }

    /// <summary>The directory the command was started in (before --chdir).</summary>
    public string StartDirectory { get; }

    /// <summary>What the configuration holds that has no effect here (gunicorn-only settings), one line each, said at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The value of <paramref name="setting"/>.</summary>
    public T Get<T>(Setting<T> setting) =>
        _values.TryGetValue(setting.Name, out var value) ? (T)value! : setting.DefaultValue(NoEnvironment);

    /// <summary>The value of a setting in seconds, as a duration.</summary>
    public TimeSpan Seconds(Setting<int> setting) => TimeSpan.FromSeconds(Get(setting));

    /// <summary>A copy with <paramref name="setting"/> set to <paramref name="value"/>.</summary>
    public ServerConfig With<T>(Setting<T> setting, T value)
    {
        var values = new Dictionary<string, object?>(_values, StringComparer.Ordinal) { [setting.Name] = value };
        return new ServerConfig(App, StartDirectory, values) { Warnings = Warnings };
    }

    /// <summary>A configuration of the defaults, for <paramref name="app"/>.</summary>
    public static ServerConfig Defaults(string app) => new(app, Directory.GetCurrentDirectory(), new Dictionary<string, object?>());

    /// <summary>The control socket's path, or null when there is none (<c>--no-control-socket</c>).</summary>
    public string? ControlSocketPath => Get(Settings.NoControlSocket) ? null : Get(Settings.ControlSocket);

    /// <summary>The error log file as an absolute path, or null for stderr.</summary>
    public string? ErrorLogFile => Get(Settings.ErrorLog) is "-" ? null : Path.GetFullPath(Get(Settings.ErrorLog));

    /// <summary>TLS, with its files' absolute paths, or null when no certificate is set.</summary>
    public TlsSettings? Tls => Get(Settings.CertFile) is { } cert
        ? new TlsSettings(Full(cert, PathBase.Start)!, Full(Get(Settings.KeyFile), PathBase.Start), Full(Get(Settings.CaCerts), PathBase.Start), Get(Settings.CertReqs), Get(Settings.Ciphers))
        : null;

    /// <summary>Every setting as a <c>name = value</c> line, in the table's order (<c>--print-config</c>, <c>ctl show config</c>).</summary>
    public IReadOnlyList<string> Lines() =>
        Settings.All.Where(s => !s.IsAction).Select(s => $"{s.Name} = {s.ToPython(Value(s))}").ToList();

    /// <summary>
    /// A copy whose paths are absolute (a worker's working directory is not the master's): TLS files
    /// from <see cref="StartDirectory"/>, log files from the current directory; "-" stays.
    /// </summary>
    public ServerConfig WithFullPaths()
    {
        var values = new Dictionary<string, object?>(_values, StringComparer.Ordinal);
        foreach (var setting in Settings.All.Where(s => s.Paths != PathBase.None))
        {
            if (Value(setting) is string path)
            {
                values[setting.Name] = Full(path, setting.Paths);
            }
        }

        return new ServerConfig(App, StartDirectory, values) { Warnings = Warnings };
    }

    /// <summary>The configuration as JSON: the app, the start directory and every setting by name.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("app", App);
        writer.WriteString("start_directory", StartDirectory);
        writer.WriteStartObject("settings");
        foreach (var setting in Settings.All)
        {
            writer.WritePropertyName(setting.Name);
            setting.ToJson(Value(setting)).WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; a setting it lacks has its default.</summary>
    /// <exception cref="JsonException">Not a configuration.</exception>
    public static ServerConfig FromJson(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("settings", out var settings) || settings.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the configuration is not a JSON object with settings");
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var setting in Settings.All)
        {
            if (settings.TryGetProperty(setting.Name, out var value))
            {
                try
                {
                    values[setting.Name] = setting.FromJson(value);
                }
                catch (FormatException e)
                {
                    throw new JsonException($"the configuration's {setting.Name}: {e.Message}", e);
                }
            }
        }

        return new ServerConfig(
            json.TryGetProperty("app", out var app) ? app.GetString() ?? "" : "",
            json.TryGetProperty("start_directory", out var start) ? start.GetString() ?? "/" : "/",
            values);
    }

    private object? Value(Setting setting) =>
        _values.TryGetValue(setting.Name, out var value) ? value : setting.Default(NoEnvironment);

    private string? Full(string? path, PathBase from) => path switch
    {
        null or "-" => path,
        _ when from == PathBase.Start => Path.GetFullPath(path, StartDirectory),
        _ => Path.GetFullPath(path),
    };
}
