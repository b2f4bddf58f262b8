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

    /// <summary>A ready worker silent this long is killed; zero turns it off. Defaults to 30 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A worker not ready this long after its spawn is killed; zero turns it off. Defaults to 60 seconds.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seconds to wait for the next request on a keep-alive connection. Defaults to 2 seconds.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Requests after which a worker is replaced; zero turns it off. Defaults to 0.</summary>
    public int MaxRequests { get; init; }

    /// <summary>Random extra requests per worker on top of <see cref="MaxRequests"/>. Defaults to 0.</summary>
    public int MaxRequestsJitter { get; init; }

    /// <summary>The error log file, or "-" for stderr. Defaults to "-".</summary>
    public string ErrorLog { get; init; } = "-";

    /// <summary>The access log file, "-" for stdout, or null when off. Defaults to null.</summary>
    public string? AccessLog { get; init; }

    /// <summary>The access log line's format. Defaults to gunicorn's.</summary>
    public string AccessLogFormat { get; init; } = Logging.AccessLogFormat.Default;

    /// <summary>How long a stopping worker may finish its requests. Defaults to 30 seconds.</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Check the configuration and that the app loads, then exit (<c>--check-config</c>).</summary>
    public bool CheckConfig { get; init; }

    /// <summary>Print the settings, then exit (<c>--print-config</c>).</summary>
    public bool PrintConfig { get; init; }

    /// <summary>Every setting as a <c>name = value</c> line, after precedence.</summary>
    public IReadOnlyList<string> Effective { get; init; } = [];
}
