using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Config;

/// <summary>
/// The <c>gunicornet [OPTIONS] APP</c> command line, generated from <see cref="Settings"/>, and its
/// conversion into a <see cref="ServerConfig"/>.
/// </summary>
internal sealed class CommandLine
{
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly Dictionary<Setting, Option> _options = [];

    public CommandLine(IReadOnlyDictionary<string, string?> environment)
    {
        _environment = environment;
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
            var option = setting.CreateOption(environment);
            _options[setting] = option;
            Root.Options.Add(option);
        }
    }

    /// <summary>The root command, with every setting's option and the APP argument.</summary>
    public RootCommand Root { get; }

    /// <summary>The APP argument.</summary>
    public Argument<string> App { get; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args);

    /// <summary>
    /// Turns a parse result without errors into a configuration. Values that came from the environment
    /// rather than the command line are validated here, so that a bad <c>WEB_CONCURRENCY</c> is reported too.
    /// </summary>
    public ServerConfig ToConfig(ParseResult result, List<string> errors)
    {
        var app = result.GetValue(App);
        if (string.IsNullOrWhiteSpace(app))
        {
            errors.Add("APP is missing: name the app to serve, e.g. gunicornet [OPTIONS] hello.dll");
        }

        var binds = Value(result, Settings.Bind, errors, "PORT");
        var workers = Value(result, Settings.Workers, errors, "WEB_CONCURRENCY");
        return new ServerConfig
        {
            App = app ?? "",
            Bind = binds,
            Workers = workers,
            Backlog = Value(result, Settings.Backlog, errors),
            Chdir = Value(result, Settings.Chdir, errors),
            PidFile = Value(result, Settings.PidFile, errors),
            GracefulTimeout = TimeSpan.FromSeconds(Value(result, Settings.GracefulTimeout, errors)),
            LogLevel = ParseLogLevel(Value(result, Settings.LogLevel, errors)),
        };
    }

    /// <summary>Maps a gunicorn log level name onto Microsoft.Extensions.Logging.</summary>
    public static LogLevel ParseLogLevel(string name) => name.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    private T Value<T>(ParseResult result, Setting<T> setting, List<string> errors, string? environmentVariable = null)
    {
        var option = (Option<T>)_options[setting];
        var value = result.GetValue(option)!;
        var optionResult = result.GetResult(option);
        if (optionResult is null || optionResult.Implicit)
        {
            if (setting.Validate(value) is { } error)
            {
                var source = environmentVariable is not null && _environment.TryGetValue(environmentVariable, out var raw)
                    ? $" (from {environmentVariable}='{raw}')"
                    : "";
                errors.Add($"{option.Name}: {error}{source}");
            }
        }

        return value;
    }
}
