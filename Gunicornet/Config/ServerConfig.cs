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

    /// <summary>A worker with a request in flight this long is replaced; zero turns it off. Defaults to off.</summary>
    public TimeSpan RequestTimeout { get; init; }

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

    /// <summary>SO_REUSEPORT on the listeners.</summary>
    public bool ReusePort { get; init; }

    /// <summary>How long a client has to send a request's header.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Simultaneous connections per worker.</summary>
    public int WorkerConnections { get; init; } = 1000;

    /// <summary>The request line's limit in bytes (0: Kestrel's largest).</summary>
    public int LimitRequestLine { get; init; } = 4094;

    /// <summary>The most header fields a request may have.</summary>
    public int LimitRequestFields { get; init; } = 100;

    /// <summary>One header field's limit in bytes (0: none per field).</summary>
    public int LimitRequestFieldSize { get; init; } = 8190;

    /// <summary>Detach into the background once bound.</summary>
    public bool Daemon { get; init; }

    /// <summary>KEY=VALUE variables set for the workers.</summary>
    public IReadOnlyList<string> RawEnv { get; init; } = [];

    /// <summary>The workers' user, as given (name or uid), or null.</summary>
    public string? User { get; init; }

    /// <summary>The workers' group, as given (name or gid), or null.</summary>
    public string? Group { get; init; }

    /// <summary>Give the workers the supplementary groups of <see cref="User"/>.</summary>
    public bool InitGroups { get; init; }

    /// <summary>The file mode creation mask.</summary>
    public int Umask { get; init; }

    /// <summary>The processes' name, or null.</summary>
    public string? ProcName { get; init; }

    /// <summary>The trusted proxies (comma-separated addresses or networks, or '*').</summary>
    public string ForwardedAllowIps { get; init; } = "127.0.0.1,::1";

    /// <summary>HEADER=VALUE pairs that mark a request as https when a trusted proxy sends them.</summary>
    public IReadOnlyList<string> SecureSchemeHeaders { get; init; } = [];

    /// <summary>TLS: the certificate, its key, the client CAs, the client certificate mode and the ciphers.</summary>
    public Worker.TlsSettings? Tls { get; init; }

    /// <summary>Duplicate the workers' stdout onto the error log.</summary>
    public bool CaptureOutput { get; init; }

    /// <summary>The control socket's path, or null for none.</summary>
    public string? ControlSocket { get; init; } = "gunicornet.ctl";

    /// <summary>The control socket's permissions.</summary>
    public int ControlSocketMode { get; init; } = 0x180;

    /// <summary>Reload when the app's files change.</summary>
    public bool Reload { get; init; }

    /// <summary>More files watched by <see cref="Reload"/>.</summary>
    public IReadOnlyList<string> ReloadExtraFiles { get; init; } = [];

    /// <summary>Check the configuration and that the app loads, then exit (<c>--check-config</c>).</summary>
    public bool CheckConfig { get; init; }

    /// <summary>Print the settings, then exit (<c>--print-config</c>).</summary>
    public bool PrintConfig { get; init; }

    /// <summary>Every setting as a <c>name = value</c> line, after precedence.</summary>
    public IReadOnlyList<string> Effective { get; init; } = [];

    /// <summary>What the configuration holds that has no effect here (gunicorn-only settings), one line each, said at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
