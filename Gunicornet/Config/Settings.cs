using System.Globalization;

namespace Gunicornet.Config;

/// <summary>
/// The table of settings: every setting Gunicornet knows, declared once, with gunicorn's names, flags
/// and defaults wherever the meaning is the same.
/// </summary>
internal static class Settings
{
    /// <summary>The log level names, as gunicorn spells them.</summary>
    public static readonly string[] LogLevels = ["debug", "info", "warning", "error", "critical"];

    /// <summary><c>-c/--config</c>: read before the others, which it may set.</summary>
    public static readonly Setting<string?> Config = new(
        "config",
        "Config File",
        ["--config", "-c"],
        "A config file of settings by name: JSON (e.g. {\"workers\": 3}), or a gunicorn .py config of plain name = value assignments. GUNICORNET_CMD_ARGS and the command line win over it. HUP reads it again. Defaults to none.",
        _ => null,
        validate: v => v is null || File.Exists(v) ? null : $"file '{v}' does not exist",
        metaVar: "FILE");

    /// <summary><c>-b/--bind</c>.</summary>
    public static readonly Setting<string[]> Bind = new(
        "bind",
        "Server Socket",
        ["--bind", "-b"],
        "The socket to bind. Repeat to bind several: HOST, HOST:PORT, [::1]:PORT, unix:PATH or fd://N. "
            + "Defaults to 127.0.0.1:8000, or 0.0.0.0:$PORT when the PORT variable is set.",
        env => env.TryGetValue("PORT", out var port) && !string.IsNullOrEmpty(port)
            ? [$"0.0.0.0:{port}"]
            : ["127.0.0.1:8000"],
        validate: binds => binds.Select(b => BindAddress.TryParse(b, out _, out var e) ? null : e).FirstOrDefault(e => e is not null),
        metaVar: "ADDRESS");

    /// <summary><c>--backlog</c>.</summary>
    public static readonly Setting<int> Backlog = new(
        "backlog",
        "Server Socket",
        ["--backlog"],
        "The maximum number of pending connections. Defaults to 2048.",
        _ => 2048,
        validate: v => v >= 1 ? null : "must be a positive number",
        metaVar: "INT");

    /// <summary><c>-w/--workers</c>.</summary>
    public static readonly Setting<int> Workers = new(
        "workers",
        "Worker Processes",
        ["--workers", "-w"],
        "The number of worker processes. Defaults to 1, or $WEB_CONCURRENCY when set.",
        env => env.TryGetValue("WEB_CONCURRENCY", out var w) && !string.IsNullOrEmpty(w)
            ? (int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            : 1,
        validate: v => v >= 1 ? null : "must be at least 1",
        metaVar: "INT");

    /// <summary><c>--graceful-timeout</c>.</summary>
    public static readonly Setting<int> GracefulTimeout = new(
        "graceful_timeout",
        "Worker Processes",
        ["--graceful-timeout"],
        "Seconds a stopping worker has to finish its requests before it is killed. Defaults to 30.",
        _ => 30,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>-t/--timeout</c>.</summary>
    public static readonly Setting<int> Timeout = new(
        "timeout",
        "Worker Processes",
        ["--timeout", "-t"],
        "Workers silent for more than this many seconds are killed and replaced (0 turns it off). Defaults to 30.",
        _ => 30,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--boot-timeout</c>.</summary>
    public static readonly Setting<int> BootTimeout = new(
        "boot_timeout",
        "Worker Processes",
        ["--boot-timeout"],
        "Workers not ready this many seconds after their spawn are killed (0 turns it off). Defaults to 60.",
        _ => 60,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--max-requests</c>.</summary>
    public static readonly Setting<int> MaxRequests = new(
        "max_requests",
        "Worker Processes",
        ["--max-requests"],
        "Replace a worker after it has served this many requests (0 turns it off). Defaults to 0.",
        _ => 0,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--max-requests-jitter</c>.</summary>
    public static readonly Setting<int> MaxRequestsJitter = new(
        "max_requests_jitter",
        "Worker Processes",
        ["--max-requests-jitter"],
        "A random 0..N added to max-requests per worker, so that workers are not all replaced at once. Defaults to 0.",
        _ => 0,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--keep-alive</c>.</summary>
    public static readonly Setting<int> KeepAlive = new(
        "keepalive",
        "Worker Processes",
        ["--keep-alive"],
        "Seconds to wait for the next request on a keep-alive connection. Defaults to 2.",
        _ => 2,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--error-logfile</c>.</summary>
    public static readonly Setting<string> ErrorLog = new(
        "errorlog",
        "Logging",
        ["--error-logfile", "--log-file"],
        "The error log file; '-' is stderr. USR1 reopens it. Defaults to '-'.",
        _ => "-",
        metaVar: "FILE");

    /// <summary><c>--access-logfile</c>.</summary>
    public static readonly Setting<string?> AccessLog = new(
        "accesslog",
        "Logging",
        ["--access-logfile"],
        "The access log file; '-' is stdout. Off when not set, as in gunicorn. USR1 reopens it. Defaults to none.",
        _ => null,
        metaVar: "FILE");

    /// <summary><c>--access-logformat</c>.</summary>
    public static readonly Setting<string> AccessLogFormat = new(
        "access_log_format",
        "Logging",
        ["--access-logformat"],
        "The access log line, with gunicorn's atoms (h l u t r m U q H s B b f a T M D L p, {header}i, {header}o, {variable}e). "
            + "Defaults to '" + Logging.AccessLogFormat.Default + "'.",
        _ => Logging.AccessLogFormat.Default,
        validate: f =>
        {
            try
            {
                Logging.AccessLogFormat.Parse(f);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        },
        metaVar: "STRING");

    /// <summary><c>--chdir</c>.</summary>
    public static readonly Setting<string?> Chdir = new(
        "chdir",
        "Server Mechanics",
        ["--chdir"],
        "Change to this directory before loading the app; it becomes the app's content root. Defaults to none.",
        _ => null,
        validate: v => v is null || Directory.Exists(v) ? null : $"directory '{v}' does not exist",
        metaVar: "DIR");

    /// <summary><c>-p/--pid</c>.</summary>
    public static readonly Setting<string?> PidFile = new(
        "pidfile",
        "Server Mechanics",
        ["--pid", "-p"],
        "A file to write the master's PID to, removed at exit. Defaults to none.",
        _ => null,
        metaVar: "FILE");

    /// <summary><c>--log-level</c>.</summary>
    public static readonly Setting<string> LogLevel = new(
        "loglevel",
        "Logging",
        ["--log-level"],
        "The granularity of the error log: debug, info, warning, error or critical. Defaults to info.",
        _ => "info",
        metaVar: "LEVEL",
        choices: LogLevels);

    /// <summary><c>--check-config</c>.</summary>
    public static readonly Setting<bool> CheckConfig = new(
        "check_config",
        "Debugging",
        ["--check-config"],
        "Check the configuration and that the app loads, then exit: 0 when both are good, 2 for a bad configuration, 4 for an app that does not load. Defaults to off.",
        _ => false);

    /// <summary><c>--print-config</c>.</summary>
    public static readonly Setting<bool> PrintConfig = new(
        "print_config",
        "Debugging",
        ["--print-config"],
        "Print every setting's value, after the config file, GUNICORNET_CMD_ARGS and the command line, as name = value lines (a config file Gunicornet reads back), then exit. Defaults to off.",
        _ => false);

    /// <summary>Every setting, in the order of the help text.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        Config, Bind, Backlog, Workers, Timeout, GracefulTimeout, BootTimeout, KeepAlive, MaxRequests, MaxRequestsJitter,
        Chdir, PidFile, ErrorLog, LogLevel, AccessLog, AccessLogFormat, CheckConfig, PrintConfig,
    ];
}
