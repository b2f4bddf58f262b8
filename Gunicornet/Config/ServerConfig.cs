using Microsoft.Extensions.Logging;

namespace Gunicornet.Config;

/// <summary>The resolved configuration of one master: every setting's value, after precedence.</summary>
internal sealed record ServerConfig
{
    /// <summary>The app to serve: <c>PATH/TO/Assembly.dll[:Namespace.Type]</c>.</summary>
    public required string App { get; init; }

    /// <summary>The addresses to listen on. Defaults to <c>127.0.0.1:8000</c>.</summary>
    public IReadOnlyList<string> Bind { get; init; } = ["127.0.0.1:8000"];

    /// <summary>How many worker processes to keep. Defaults to 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The listen backlog of every listener. Defaults to 2048.</summary>
    public int Backlog { get; init; } = 2048;

    /// <summary>The directory to change to before loading the app. Defaults to none.</summary>
    public string? Chdir { get; init; }

    /// <summary>Where to write the master's PID. Defaults to none.</summary>
    public string? PidFile { get; init; }

    /// <summary>The minimum level of the error log. Defaults to info.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>How long a stopping worker may finish its requests. Defaults to 30 seconds.</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
