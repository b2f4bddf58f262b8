using System.CommandLine;

namespace Gunicornet.Config;

/// <summary>
/// The <c>gunicornet [OPTIONS] APP</c> command line, generated from <see cref="Settings"/>, and its
/// conversion into a <see cref="ServerConfig"/>.
/// </summary>
internal sealed class CommandLine
{
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly Dictionary<Setting, Option> _options = [];
    private readonly IReadOnlyDictionary<string, System.Text.Json.JsonElement> _file;

    public CommandLine(IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, System.Text.Json.JsonElement>? file = null)
    {
        _environment = environment;
        _file = file ?? new Dictionary<string, System.Text.Json.JsonElement>();
        App = new Argument<string>("APP")
        {
            Description = "The app to serve: PATH/TO/Assembly.dll[:Namespace.Type].",

            // Checked in ToConfig, so that the message names APP rather than the command.
            Arity = ArgumentArity.ZeroOrOne,
        };

        // An unknown flag standing where APP goes would otherwise be taken for APP.
        App.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && value.StartsWith('-'))
            {
                result.AddError($"Unrecognized option '{value}'");
            }
        });
        Root = new RootCommand("Gunicornet: a prefork application server for ASP.NET Core on Linux.") { App };
        foreach (var setting in Settings.All)
        {
            var option = setting.CreateOption(environment, _file);
            _options[setting] = option;
            Root.Options.Add(option);
        }

        // gunicorn's settings with no meaning here: accepted, unlisted, and warned about.
        foreach (var setting in GunicornOnly.All.Where(s => s.Flags.Length > 0))
        {
            Option option = setting.TakesValue
                ? new Option<string[]>(setting.Flags[^1], setting.Flags[..^1]) { Hidden = true, AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore }
                : new Option<bool>(setting.Flags[^1], setting.Flags[..^1]) { Hidden = true };
            _ignored[option] = setting;
            Root.Options.Add(option);
        }
    }

    private readonly Dictionary<Option, GunicornOnlySetting> _ignored = [];

    /// <summary>
    /// The parser's help text with each default shown as the setting shows its values: a mode in octal
    /// (<c>[default: 0o600]</c>, not the parser's <c>384</c>).
    /// </summary>
    public string FixHelp(string help)
    {
        var lines = help.Split('\n');
        foreach (var (setting, option) in _options)
        {
            if (setting.DisplayDefault(_environment) is not { } shown || option.GetDefaultValue() is not { } raw)
            {
                continue;
            }

            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Contains(option.Name + " <", StringComparison.Ordinal))
                {
                    lines[i] = lines[i].Replace($"[default: {raw}]", $"[default: {shown}]", StringComparison.Ordinal);
                }
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>The warnings for the gunicorn-only options <paramref name="result"/> holds, one per option given.</summary>
    private IEnumerable<string> IgnoredOptions(ParseResult result, string where = "") =>
        _ignored.Select(o => (Setting: o.Value, Result: result.GetResult(o.Key)))
            .Where(o => o.Result is { Implicit: false })
            .Select(o => o.Setting.Warning(where + (o.Result!.IdentifierToken?.Value ?? o.Setting.Flags[^1])));

    /// <summary>The root command, with every setting's option and the APP argument.</summary>
    public RootCommand Root { get; }

    /// <summary>The APP argument.</summary>
    public Argument<string> App { get; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(WithBareValues(args));

    /// <summary>
    /// A flag that may stand alone (<c>--proxy-protocol</c>, as gunicorn's <c>nargs='?'</c>) gets its
    /// value written out when nothing follows, an option follows, or what follows is the app (a path,
    /// not one of its values): <c>--proxy-protocol app.dll</c> reads as <c>--proxy-protocol=auto
    /// app.dll</c>, while <c>--proxy-protocol v3</c> stays an error about v3.
    /// </summary>
    private static List<string> WithBareValues(IReadOnlyList<string> args)
    {
        var result = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                result.AddRange(args.Skip(i));
                break;
            }

            var setting = Settings.All.FirstOrDefault(s => s.BareText is not null && s.Flags.Contains(token, StringComparer.Ordinal));
            var next = i + 1 < args.Count ? args[i + 1] : null;
            result.Add(setting is not null && (next is null || next.StartsWith('-') || (!setting.IsValue(next) && next.IndexOfAny(['.', '/']) >= 0)) ? $"{token}={setting.BareText}" : token);
        }

        return result;
    }

    /// <summary>The variable of extra options, as gunicorn's GUNICORN_CMD_ARGS: over the config file, under the command line.</summary>
    public const string CmdArgsVariable = "GUNICORNET_CMD_ARGS";

    /// <summary>
    /// Reads the whole configuration: the command line, <c>GUNICORNET_CMD_ARGS</c>, and the config file
    /// either names. Precedence: default &lt; config file &lt; GUNICORNET_CMD_ARGS &lt; command line.
    /// Returns the configuration, or null and the errors.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="environment">The process environment.</param>
    /// <param name="defaultConfigFile">The config file read when none is named, if it exists: gunicorn's <c>./gunicorn.conf.py</c>, as an absolute path fixed at start.</param>
    public static (ServerConfig? Config, List<string> Errors) Read(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, string? defaultConfigFile = null)
    {
        var first = new CommandLine(environment);
        var result = first.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // GUNICORNET_CMD_ARGS: options only, read as the command line is.
        ParseResult? fromEnvironment = null;
        if (environment.TryGetValue(CmdArgsVariable, out var extra) && !string.IsNullOrWhiteSpace(extra))
        {
            try
            {
                fromEnvironment = first.Parse(ShellWords.Split(extra));
            }
            catch (FormatException e)
            {
                return (null, [$"{CmdArgsVariable}: {e.Message}"]);
            }

            errors = fromEnvironment.Errors.Select(e => $"{CmdArgsVariable}: {e.Message}").ToList();
            if (errors.Count == 0 && fromEnvironment.GetValue(first.App) is { } app)
            {
                errors.Add($"{CmdArgsVariable}: holds options only; '{app}' is not one (name APP on the command line)");
            }

            if (errors.Count > 0)
            {
                return (null, errors);
            }
        }

        var warnings = first.IgnoredOptions(result).Concat(fromEnvironment is null ? [] : first.IgnoredOptions(fromEnvironment, CmdArgsVariable + ": ")).ToList();
        var configOption = (Option<string?>)first._options[Settings.Config];
        var path = result.GetResult(configOption) is { Implicit: false } ? result.GetValue(configOption) : fromEnvironment?.GetValue(configOption);
        path ??= defaultConfigFile is not null && File.Exists(defaultConfigFile) ? defaultConfigFile : null;
        var layer = new Dictionary<string, System.Text.Json.JsonElement>(StringComparer.Ordinal);
        if (path is not null)
        {
            layer = ConfigFile.Read(path, warnings, out var fileError, environment)!;
            if (layer is null)
            {
                return (null, [fileError!]);
            }
        }

        if (fromEnvironment is not null)
        {
            foreach (var (setting, option) in first._options)
            {
                if (setting != Settings.Config && fromEnvironment.GetResult(option) is { Implicit: false })
                {
                    layer[setting.Name] = setting.ToJson(setting.Read(fromEnvironment, option));
                }
            }
        }

        var final = layer.Count == 0 ? first : new CommandLine(environment, layer);
        result = final.Parse(args);
        errors = result.Errors.Select(e => e.Message).ToList();
        var config = errors.Count == 0 ? final.ToConfig(result, errors, warnings) : null;
        return (errors.Count == 0 ? config : null, errors);
    }

    /// <summary>
    /// Turns a parse result without errors into a configuration. Values that came from the environment
    /// or the config file rather than the command line are validated here, so that a bad
    /// <c>WEB_CONCURRENCY</c> is reported too.
    /// </summary>
    public ServerConfig ToConfig(ParseResult result, List<string> errors, IReadOnlyList<string>? warnings = null)
    {
        var app = result.GetValue(App);
        if (string.IsNullOrWhiteSpace(app))
        {
            errors.Add("APP is missing: name the app to serve, e.g. gunicornet [OPTIONS] hello.dll");
        }

        var values = _options.ToDictionary(o => o.Key.Name, o => Value(result, o.Key, o.Value, errors), StringComparer.Ordinal);
        var notes = new List<string>(warnings ?? []);
        var config = new ServerConfig(app ?? "", Directory.GetCurrentDirectory(), values) { Warnings = notes };
        var h2 = config.Get(Settings.HttpProtocols).Split(',').Contains("h2");
        var cleartext = config.Get(Settings.Http2Cleartext);
        if (cleartext != "off" && !h2)
        {
            errors.Add($"--http2-cleartext {cleartext} needs h2 in --http-protocols (e.g. --http-protocols h1,h2)");
        }
        else if (h2 && cleartext == "off" && config.Get(Settings.CertFile) is null)
        {
            notes.Add("--http-protocols h2 without TLS (--certfile) or --http2-cleartext: HTTP/1.1 only is served");
        }

        if (cleartext is "upgrade" or "both")
        {
            notes.Add($"--http2-cleartext {cleartext}: an Upgrade: h2c request is answered over HTTP/1.1 (Kestrel does not implement the upgrade){(cleartext == "both" ? "; prior knowledge is served" : "")}");
        }

        if (config.Get(Settings.CertFile) is null
            && (config.Get(Settings.KeyFile) is not null || config.Get(Settings.CaCerts) is not null || config.Get(Settings.CertReqs) != 0 || config.Get(Settings.Ciphers) is not null))
        {
            errors.Add("--keyfile, --ca-certs, --cert-reqs and --ciphers need a --certfile");
        }

        return config;
    }

    private object? Value(ParseResult result, Setting setting, Option option, List<string> errors)
    {
        object? value;
        try
        {
            value = setting.Read(result, option);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // Only a config file's value can fail here: the command line's were converted by the parser.
            errors.Add($"config file: {setting.Name}: {(e.InnerException ?? e).Message}");
            return null;
        }

        var optionResult = result.GetResult(option);
        if ((optionResult is null || optionResult.Implicit) && setting.Check(value) is { } error)
        {
            var source = _file.ContainsKey(setting.Name)
                ? " (from the config file)"
                : setting.EnvironmentVariable is { } variable && _environment.TryGetValue(variable, out var raw)
                    ? $" (from {variable}='{raw}')"
                    : "";
            errors.Add($"{option.Name}: {error}{source}");
        }

        return value;
    }
}
