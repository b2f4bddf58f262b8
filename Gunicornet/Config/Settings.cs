using System.Globalization;

namespace Gunicornet.Config;

/// <summary>
/// The table of settings: every setting Gunicornet knows, declared once, with gunicorn's names, flags
/// and defaults wherever the meaning is the same.
/// </summary>
internal static class Settings
{
    /// <summary><c>-c/--config</c>: read before the others, which it may set.</summary>
    public static readonly Setting<string?> Config = new(
        "config",
        "Config File",
        ["--config", "-c"],
        "A config file of settings by name: JSON (e.g. {\"workers\": 3}), or a gunicorn .py config, run with python3 as gunicorn runs it (without python3, its plain name = value assignments are read). GUNICORNET_CMD_ARGS and the command line win over it. HUP reads it again. Defaults to none.",
        _ => null,
        validate: v => v is null || File.Exists(v) ? null : Directory.Exists(v) ? $"'{v}' is a directory: name the config file in it" : $"file '{v}' does not exist",
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
        metaVar: "ADDRESS")
    {
        EnvironmentVariable = "PORT",
    };

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
        metaVar: "INT")
    {
        EnvironmentVariable = "WEB_CONCURRENCY",
    };

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

    /// <summary><c>--request-timeout</c>.</summary>
    public static readonly Setting<int> RequestTimeout = new(
        "request_timeout",
        "Worker Processes",
        ["--request-timeout"],
        "Replace a worker that has had one request in flight for more than this many seconds (a hung request): its successor starts first, then it gets --graceful-timeout to finish. Off (0) by default, unlike gunicorn's sync workers, because ASP.NET apps hold WebSockets, server-sent events and long polls open on purpose. Defaults to 0.",
        _ => 0,
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

    /// <summary><c>--max-worker-memory</c>.</summary>
    public static readonly Setting<int> MaxWorkerMemory = new(
        "max_worker_memory",
        "Worker Processes",
        ["--max-worker-memory"],
        "Replace a worker whose resident memory exceeds this many megabytes, as --max-requests replaces one (its successor is ready first, then it drains); checked at each heartbeat (every second). A worker already over it at its first heartbeat after boot is kept, said once: replacing it would loop. Not in gunicorn. 0 turns it off. Defaults to 0.",
        _ => 0,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "MB");

    /// <summary><c>--max-worker-lifetime</c>.</summary>
    public static readonly Setting<int> MaxWorkerLifetime = new(
        "max_worker_lifetime",
        "Worker Processes",
        ["--max-worker-lifetime"],
        "Replace a worker once it is this many seconds old, as --max-requests replaces one. Not in gunicorn. 0 turns it off. Defaults to 0.",
        _ => 0,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--max-worker-lifetime-jitter</c>.</summary>
    public static readonly Setting<int> MaxWorkerLifetimeJitter = new(
        "max_worker_lifetime_jitter",
        "Worker Processes",
        ["--max-worker-lifetime-jitter"],
        "A random 0..N seconds added to max-worker-lifetime per worker, so that the workers of one generation are not all replaced at once. Defaults to 0.",
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

    /// <summary><c>--header-timeout</c>.</summary>
    public static readonly Setting<int> HeaderTimeout = new(
        "header_timeout",
        "Worker Processes",
        ["--header-timeout"],
        "Seconds a client has to send a request's whole header (Kestrel's RequestHeadersTimeout); a slower one (slowloris) gets 408 and is closed. Not in gunicorn, whose sync workers have no such bound. Defaults to 30.",
        _ => 30,
        validate: v => v >= 1 ? null : "must be at least 1",
        metaVar: "INT");

    /// <summary><c>--error-logfile</c>.</summary>
    public static readonly Setting<string> ErrorLog = new(
        "errorlog",
        "Logging",
        ["--error-logfile", "--log-file"],
        "The error log file; '-' is stderr. USR1 reopens it. Defaults to '-'.",
        _ => "-",
        metaVar: "FILE")
    {
        Paths = PathBase.WorkingDirectory,
    };

    /// <summary><c>--access-logfile</c>.</summary>
    public static readonly Setting<string?> AccessLog = new(
        "accesslog",
        "Logging",
        ["--access-logfile"],
        "The access log file; '-' is stdout. Off when not set, as in gunicorn. USR1 reopens it. Defaults to none.",
        _ => null,
        metaVar: "FILE")
    {
        Paths = PathBase.WorkingDirectory,
    };

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
        metaVar: "FILE")
    {
        Paths = PathBase.WorkingDirectory,
    };

    /// <summary><c>--log-level</c>.</summary>
    public static readonly Setting<string> LogLevel = new(
        "loglevel",
        "Logging",
        ["--log-level"],
        "The granularity of the error log: debug, info, warning, error or critical. Defaults to info.",
        _ => "info",
        metaVar: "LEVEL",
        parse: ParseLogLevelName);

    /// <summary><c>--check-config</c>.</summary>
    public static readonly Setting<bool> CheckConfig = new(
        "check_config",
        "Debugging",
        ["--check-config"],
        "Check the configuration, then load and boot the app in one worker that serves nothing, and exit: 0 when all is good, 2 for a bad configuration, 4 for an app that does not load or start, 3 for a worker that cannot boot. Defaults to off.",
        _ => false)
    {
        IsAction = true,
    };

    /// <summary><c>--print-config</c>.</summary>
    public static readonly Setting<bool> PrintConfig = new(
        "print_config",
        "Debugging",
        ["--print-config"],
        "Print every setting's value, after the config file, GUNICORNET_CMD_ARGS and the command line, as name = value lines (a config file Gunicornet reads back), then exit. Defaults to off.",
        _ => false)
    {
        IsAction = true,
    };

    /// <summary><c>--reuse-port</c>.</summary>
    public static readonly Setting<bool> ReusePort = new(
        "reuse_port",
        "Server Socket",
        ["--reuse-port"],
        "Set SO_REUSEPORT on the listening sockets, so that other processes that set it too may bind the same port (the kernel spreads connections between them). Defaults to off: nothing else can bind the port.",
        _ => false);

    /// <summary><c>--worker-connections</c>.</summary>
    public static readonly Setting<int> WorkerConnections = new(
        "worker_connections",
        "Worker Processes",
        ["--worker-connections"],
        "The maximum number of simultaneous connections per worker (Kestrel's MaxConcurrentConnections); a connection beyond it is closed at once. Defaults to 1000.",
        _ => 1000,
        validate: v => v >= 1 ? null : "must be at least 1",
        metaVar: "INT");

    /// <summary><c>--limit-request-line</c>.</summary>
    public static readonly Setting<int> LimitRequestLine = new(
        "limit_request_line",
        "Security",
        ["--limit-request-line"],
        "The maximum size of the request line (method, target and version) in bytes; a longer one gets 414. 0 means Kestrel's largest, 8190 is gunicorn's. Defaults to 4094.",
        _ => 4094,
        validate: v => v is >= 0 and <= 8190 ? null : "must be from 0 to 8190",
        metaVar: "INT");

    /// <summary><c>--limit-request-fields</c>.</summary>
    public static readonly Setting<int> LimitRequestFields = new(
        "limit_request_fields",
        "Security",
        ["--limit-request-fields"],
        "The maximum number of header fields in a request; more get 431. At most 32768. Defaults to 100.",
        _ => 100,
        validate: v => v is >= 1 and <= 32768 ? null : "must be from 1 to 32768",
        metaVar: "INT");

    /// <summary><c>--limit-request-field_size</c>.</summary>
    public static readonly Setting<int> LimitRequestFieldSize = new(
        "limit_request_field_size",
        "Security",
        ["--limit-request-field_size", "--limit-request-field-size"],
        "The maximum size of one header field (name, colon, space and value) in bytes; a larger one gets 431. 0 means no limit per field (the total stays bounded). Defaults to 8190.",
        _ => 8190,
        validate: v => v >= 0 ? null : "must not be negative",
        metaVar: "INT");

    /// <summary><c>--http-grammar</c>.</summary>
    public static readonly Setting<string> HttpGrammar = new(
        "http_grammar",
        "Security",
        ["--http-grammar"],
        "How strictly HTTP/1.1 requests are read. strict: every byte of the request line, the field lines, Content-Length, Transfer-Encoding and chunked framing is held to RFC 9112's grammar before Kestrel parses it, and a request that breaks a rule gets 400 and its connection is closed (docs/http-conformance.md lists the rules). kestrel: Kestrel's own parser alone, with the worker's request checks. Defaults to strict.",
        _ => "strict",
        metaVar: "MODE",
        parse: text => text.Trim().ToLowerInvariant() is var mode && mode is "strict" or "kestrel"
            ? mode
            : throw new FormatException($"'{text}' is not strict or kestrel"));

    /// <summary><c>-D/--daemon</c>.</summary>
    public static readonly Setting<bool> Daemon = new(
        "daemon",
        "Server Mechanics",
        ["--daemon", "-D"],
        "Detach from the terminal and run in the background, once the sockets are bound (an error before that still shows and sets the exit code). Use a --pid file and an --error-logfile with it. Defaults to off.",
        _ => false);

    /// <summary><c>-e/--env</c>.</summary>
    public static readonly Setting<string[]> RawEnv = new(
        "raw_env",
        "Server Mechanics",
        ["--env", "-e"],
        "Set an environment variable for the app: -e KEY=VALUE, repeatable. HUP applies changes to the new workers. Defaults to none.",
        _ => [],
        validate: pairs => pairs.FirstOrDefault(p => p.IndexOf('=', StringComparison.Ordinal) <= 0) is { } bad ? $"'{bad}' is not KEY=VALUE" : null,
        metaVar: "ENV");

    /// <summary><c>-u/--user</c>.</summary>
    public static readonly Setting<string?> User = new(
        "user",
        "Server Mechanics",
        ["--user", "-u"],
        "Run the workers as this user (a name or a uid); the master keeps its own, so it may bind port 80 as root. Needs root. Defaults to the master's user.",
        _ => null,
        validate: v => v is null || Posix.Accounts.TryResolveUser(v, out _, out _, out var error) ? null : error,
        metaVar: "USER");

    /// <summary><c>-g/--group</c>.</summary>
    public static readonly Setting<string?> Group = new(
        "group",
        "Server Mechanics",
        ["--group", "-g"],
        "Run the workers as this group (a name or a gid). Defaults to the --user's own group, or the master's group.",
        _ => null,
        validate: v => v is null || Posix.Accounts.TryResolveGroup(v, out _, out var error) ? null : error,
        metaVar: "GROUP");

    /// <summary><c>--initgroups</c>.</summary>
    public static readonly Setting<bool> InitGroups = new(
        "initgroups",
        "Server Mechanics",
        ["--initgroups"],
        "Give the workers every supplementary group of --user (from /etc/group), not just --group. Defaults to off: the workers keep no supplementary group.",
        _ => false);

    /// <summary><c>-m/--umask</c>.</summary>
    public static readonly Setting<int> Umask = new(
        "umask",
        "Server Mechanics",
        ["--umask", "-m"],
        "The file mode creation mask of the master and workers (it also decides unix sockets' permissions): octal as 0o22 or 022, or decimal. Defaults to 0.",
        _ => 0,
        validate: v => v is >= 0 and <= 0x1FF ? null : "must be from 0 to 0o777",
        metaVar: "INT",
        parse: ParseMask,
        display: Octal);

    /// <summary><c>-n/--name</c>.</summary>
    public static readonly Setting<string?> ProcName = new(
        "proc_name",
        "Server Mechanics",
        ["--name", "-n"],
        "A name for the processes, as ps -e, top and pgrep show them: Linux keeps the first 15 bytes of it. Defaults to none: the executable's name.",
        _ => null,
        metaVar: "STRING");

    /// <summary><c>--reload</c>.</summary>
    public static readonly Setting<bool> Reload = new(
        "reload",
        "Debugging",
        ["--reload"],
        "Reload (as HUP does) when the app's code changes (the .dll, .json, .so and .pdb files in its folder, what a reload copies) or a --reload-extra-file does. For development. Defaults to off.",
        _ => false);

    /// <summary><c>--reload-extra-file</c>.</summary>
    public static readonly Setting<string[]> ReloadExtraFiles = new(
        "reload_extra_files",
        "Debugging",
        ["--reload-extra-file"],
        "Another file whose change reloads when --reload is on (e.g. appsettings.json outside the app's directory); repeatable. Defaults to none.",
        _ => [],
        metaVar: "FILE");

    /// <summary><c>--forwarded-allow-ips</c>.</summary>
    public static readonly Setting<string> ForwardedAllowIps = new(
        "forwarded_allow_ips",
        "Server Mechanics",
        ["--forwarded-allow-ips"],
        "The proxies trusted with X-Forwarded-For and the secure scheme headers: comma-separated addresses or networks (10.0.0.0/8), or '*' for any. From any other address those headers are ignored. Defaults to '127.0.0.1,::1', or $FORWARDED_ALLOW_IPS when set.",
        env => env.TryGetValue("FORWARDED_ALLOW_IPS", out var ips) && !string.IsNullOrEmpty(ips) ? ips : "127.0.0.1,::1",
        validate: v => TrustedProxies.TryParse(v, out _, out var error) ? null : error,
        metaVar: "STRING")
    {
        EnvironmentVariable = "FORWARDED_ALLOW_IPS",
    };

    /// <summary><c>--http-protocols</c>.</summary>
    public static readonly Setting<string> HttpProtocols = new(
        "http_protocols",
        "Server Mechanics",
        ["--http-protocols"],
        "The HTTP versions served, comma-separated, as gunicorn names them: h1 (HTTP/1.1), h2 (HTTP/2), in order of preference when TLS negotiates one (ALPN). Without TLS, h2 is served to the addresses in --forwarded-allow-ips when --http2-cleartext allows it, HTTP/1.1 to everyone. Defaults to h1 (an app whose Kestrel:EndpointDefaults:Protocols asks for HTTP/2, as the gRPC template's does, keeps what it asks).",
        _ => "h1",
        metaVar: "LIST",
        parse: ParseHttpProtocols);

    /// <summary><c>--http2-cleartext</c>.</summary>
    public static readonly Setting<string> Http2Cleartext = new(
        "http2_cleartext",
        "Server Mechanics",
        ["--http2-cleartext"],
        "HTTP/2 without TLS on the same listener as HTTP/1.1, for the addresses in --forwarded-allow-ips (a proxy such as nginx's grpc_pass): off, prior-knowledge (a connection that opens with HTTP/2's preface speaks HTTP/2), upgrade or both. Kestrel does not implement the Upgrade: h2c request (RFC 9113 deprecated it): such a request is answered over HTTP/1.1, so upgrade adds nothing and both is prior-knowledge. Needs h2 in --http-protocols. Defaults to off.",
        _ => "off",
        metaVar: "MODE",
        parse: text => text.Trim().ToLowerInvariant() is var mode && mode is "off" or "prior-knowledge" or "upgrade" or "both"
            ? mode
            : throw new FormatException($"'{text}' is not off, prior-knowledge, upgrade or both"));

    /// <summary><c>--proxy-protocol</c>.</summary>
    public static readonly Setting<string> ProxyProtocol = new(
        "proxy_protocol",
        "Server Mechanics",
        ["--proxy-protocol"],
        "Read a PROXY protocol header (v1 text, v2 binary, as HAProxy's send-proxy and send-proxy-v2 send it) at the start of every connection from the addresses in --proxy-allow-from: off, v1, v2, or auto for either (what the flag alone means). The client's address and port in it become the connection's: what the app's RemoteIpAddress, the access log's %(h)s and --forwarded-allow-ips see. From those addresses a connection without a valid header within --header-timeout is closed; from any other, one that opens with a header is closed and the rest are served as usual. The header comes before TLS. Defaults to off.",
        _ => "off",
        metaVar: "VERSION",
        parse: ParseProxyProtocol)
    {
        BareValue = "auto",
        FalseValue = "off",
    };

    /// <summary><c>--proxy-allow-from</c>.</summary>
    public static readonly Setting<string> ProxyAllowIps = new(
        "proxy_allow_ips",
        "Server Mechanics",
        ["--proxy-allow-from"],
        "The proxies that send a PROXY protocol header when --proxy-protocol is on: comma-separated addresses or networks (10.0.0.0/8), or '*' for any; a unix socket's peer is always one. Defaults to '127.0.0.1,::1'.",
        _ => "127.0.0.1,::1",
        validate: v => TrustedProxies.TryParse(v, out _, out var error) ? null : error,
        metaVar: "STRING");

    /// <summary><c>--secure-scheme-header</c>.</summary>
    public static readonly Setting<string[]> SecureSchemeHeaders = new(
        "secure_scheme_headers",
        "Server Mechanics",
        ["--secure-scheme-header"],
        "A header and the value by which a trusted proxy says the request came over https: HEADER=VALUE, repeatable; in a config file a dict as in gunicorn. Defaults to X-FORWARDED-PROTOCOL=ssl, X-FORWARDED-PROTO=https and X-FORWARDED-SSL=on.",
        _ => ["X-FORWARDED-PROTOCOL=ssl", "X-FORWARDED-PROTO=https", "X-FORWARDED-SSL=on"],
        validate: pairs => pairs.FirstOrDefault(p => p.IndexOf('=', StringComparison.Ordinal) <= 0) is { } bad ? $"'{bad}' is not HEADER=VALUE" : null,
        metaVar: "HEADER=VALUE");

    /// <summary><c>--certfile</c>.</summary>
    public static readonly Setting<string?> CertFile = new(
        "certfile",
        "SSL",
        ["--certfile"],
        "Serve https with this PEM certificate (its chain may follow it in the file); the key is in --keyfile or in the same file. Defaults to none: plain http.",
        _ => null,
        validate: v => v is null || File.Exists(v) ? null : Directory.Exists(v) ? $"'{v}' is a directory: name the config file in it" : $"file '{v}' does not exist",
        metaVar: "FILE")
    {
        Paths = PathBase.Start,
    };

    /// <summary><c>--keyfile</c>.</summary>
    public static readonly Setting<string?> KeyFile = new(
        "keyfile",
        "SSL",
        ["--keyfile"],
        "The PEM private key of --certfile. Read by each worker before it drops privileges. Defaults to none: the key is in --certfile.",
        _ => null,
        validate: v => v is null || File.Exists(v) ? null : Directory.Exists(v) ? $"'{v}' is a directory: name the config file in it" : $"file '{v}' does not exist",
        metaVar: "FILE")
    {
        Paths = PathBase.Start,
    };

    /// <summary><c>--ca-certs</c>.</summary>
    public static readonly Setting<string?> CaCerts = new(
        "ca_certs",
        "SSL",
        ["--ca-certs"],
        "PEM certificates of the authorities that client certificates must chain to (with --cert-reqs 1 or 2). Defaults to none: the system's.",
        _ => null,
        validate: v => v is null || File.Exists(v) ? null : Directory.Exists(v) ? $"'{v}' is a directory: name the config file in it" : $"file '{v}' does not exist",
        metaVar: "FILE")
    {
        Paths = PathBase.Start,
    };

    /// <summary><c>--cert-reqs</c>.</summary>
    public static readonly Setting<int> CertReqs = new(
        "cert_reqs",
        "SSL",
        ["--cert-reqs"],
        "Client certificates, as Python's ssl module numbers them: 0 not asked for, 1 optional (checked when given), 2 required. Defaults to 0.",
        _ => 0,
        validate: v => v is >= 0 and <= 2 ? null : "must be 0 (none), 1 (optional) or 2 (required)",
        metaVar: "INT");

    /// <summary><c>--ciphers</c>.</summary>
    public static readonly Setting<string?> Ciphers = new(
        "ciphers",
        "SSL",
        ["--ciphers"],
        "The TLS cipher suites to allow, colon-separated: IANA names (TLS_AES_128_GCM_SHA256) or an OpenSSL cipher string (ECDHE+AESGCM, expanded by the openssl command). Defaults to none: the system's policy.",
        _ => null,
        validate: v => v is null || CipherSuites.TryParse(v, out _, out var error) ? null : error,
        metaVar: "CIPHERS");

    /// <summary><c>--capture-output</c>.</summary>
    public static readonly Setting<bool> CaptureOutput = new(
        "capture_output",
        "Logging",
        ["--capture-output"],
        "Send what the app writes to stdout into the error log too (stderr goes there already). Defaults to off.",
        _ => false);

    /// <summary><c>--metrics-bind</c>.</summary>
    public static readonly Setting<string[]> MetricsBind = new(
        "metrics_bind",
        "Metrics",
        ["--metrics-bind"],
        "Serve the pool's metrics (Prometheus text, or OpenMetrics when asked) at GET /metrics on this address, from the master: HOST:PORT or unix:PATH, repeatable. Not in gunicorn. Defaults to none: no metrics.",
        _ => [],
        validate: binds => binds.Select(b => BindAddress.TryParse(b, out var address, out var e) ? (address!.Kind == BindKind.Fd ? $"'{b}': metrics are served on an address, not an inherited descriptor" : null) : e).FirstOrDefault(e => e is not null),
        metaVar: "ADDRESS");

    /// <summary><c>--statsd-host</c>.</summary>
    public static readonly Setting<string?> StatsdHost = new(
        "statsd_host",
        "Metrics",
        ["--statsd-host"],
        "Send the pool's figures to this statsd server every second, with gunicorn's metric names (gunicorn.requests, gunicorn.request.duration, gunicorn.request.status.NNN, gunicorn.workers, gunicorn.log.LEVEL): HOST:PORT over UDP, or unix:PATH (a datagram socket). The master sends them; a statsd server that is down never slows serving. Defaults to none.",
        _ => null,
        validate: v => v is null ? null : BindAddress.TryParse(v, out var address, out var e) ? (address!.Kind == BindKind.Fd ? $"'{v}': statsd is reached at an address, not a descriptor" : null) : e,
        metaVar: "ADDRESS");

    /// <summary><c>--statsd-prefix</c>.</summary>
    public static readonly Setting<string> StatsdPrefix = new(
        "statsd_prefix",
        "Metrics",
        ["--statsd-prefix"],
        "A prefix for the statsd metric names, in place of 'gunicorn.' (e.g. 'myapp' sends myapp.requests). Defaults to none: gunicorn's names.",
        _ => "",
        metaVar: "STRING");

    /// <summary><c>--dogstatsd-tags</c>.</summary>
    public static readonly Setting<string> DogstatsdTags = new(
        "dogstatsd_tags",
        "Metrics",
        ["--dogstatsd-tags"],
        "Tags added to every statsd metric, as DogStatsD takes them: comma-separated, each 'name' or 'name:value'. Defaults to none.",
        _ => "",
        validate: v => v.Split(',', StringSplitOptions.TrimEntries).Any(t => t.Length == 0) && v.Length > 0 ? $"'{v}' has an empty tag" : null,
        metaVar: "TAGS");

    /// <summary><c>--control-socket</c>.</summary>
    public static readonly Setting<string> ControlSocket = new(
        "control_socket",
        "Control",
        ["--control-socket"],
        "The unix socket gunicornet ctl talks to, created with mode --control-socket-mode; relative paths are from the working directory (after --chdir). Defaults to gunicornet.ctl.",
        _ => "gunicornet.ctl",
        metaVar: "PATH")
    {
        Paths = PathBase.WorkingDirectory,
    };

    /// <summary><c>--control-socket-mode</c>.</summary>
    public static readonly Setting<int> ControlSocketMode = new(
        "control_socket_mode",
        "Control",
        ["--control-socket-mode"],
        "The permissions of the control socket, octal (0o600 or 600). Defaults to 0o600: the master's user only.",
        _ => 0x180,
        validate: v => v is >= 0 and <= 0x1FF ? null : "must be from 0 to 0o777",
        metaVar: "MODE",
        parse: ParseMode,
        display: Octal);

    /// <summary><c>--no-control-socket</c>.</summary>
    public static readonly Setting<bool> NoControlSocket = new(
        "control_socket_disable",
        "Control",
        ["--no-control-socket"],
        "Create no control socket. Defaults to off.",
        _ => false);

    /// <summary>A mode or mask as Python writes it in octal (<c>0o600</c>), which the config file reads back.</summary>
    public static string Octal(int mode) => "0o" + Convert.ToString(mode, 8);

    /// <summary>A log level's name, in any case (<c>DEBUG</c> as gunicorn takes it), as its lowercase name.</summary>
    public static string ParseLogLevelName(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        var names = Logging.ErrorLog.Levels.Keys.ToList();
        return names.Contains(name)
            ? name
            : throw new FormatException($"'{text}' is not a log level: {string.Join(", ", names[..^1])} or {names[^1]}");
    }

    /// <summary>A <c>--http-protocols</c> list: h1 and h2, each at most once, in any case and with spaces, written back as <c>h2,h1</c>.</summary>
    public static string ParseHttpProtocols(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(n => n.ToLowerInvariant()).ToList();
        if (names.Count == 0)
        {
            throw new FormatException("names no protocol (h1, h2)");
        }

        if (names.FirstOrDefault(n => n is not ("h1" or "h2")) is { } unknown)
        {
            throw new FormatException($"'{unknown}' is not h1 or h2" + (unknown == "h3" ? " (HTTP/3 is not served)" : ""));
        }

        return names.Distinct().Count() == names.Count
            ? string.Join(',', names)
            : throw new FormatException($"'{text}' names a protocol twice");
    }

    /// <summary>A <c>--proxy-protocol</c> value, in any case: off, v1, v2 or auto.</summary>
    public static string ParseProxyProtocol(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        return name is "off" or "v1" or "v2" or "auto"
            ? name
            : throw new FormatException($"'{text}' is not off, v1, v2 or auto");
    }

    /// <summary>Reads a file mode as chmod does: octal, with or without 0o (600, 0600, 0o600).</summary>
    public static int ParseMode(string text)
    {
        var t = text.Trim();
        var digits = t.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? t[2..] : t;
        if (digits.Length == 0 || !digits.All(c => c is >= '0' and <= '7'))
        {
            throw new FormatException($"'{text}' is not an octal mode (e.g. 600 or 0o600)");
        }

        return digits.Aggregate(0, (n, c) => n > 0x1FF ? n : (n * 8) + (c - '0'));
    }

    /// <summary>
    /// Reads a mask as gunicorn does (0o22, 0x12, 18) and as the shell's umask does (022: a leading
    /// zero means octal).
    /// </summary>
    public static int ParseMask(string text)
    {
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        static int Digits(string digits, int radix)
        {
            try
            {
                return digits.Length > 0 ? Convert.ToInt32(digits, radix) : throw new FormatException();
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                throw new FormatException();
            }
        }

        try
        {
            return t.ToLowerInvariant() switch
            {
                var o when o.StartsWith("0o", StringComparison.Ordinal) => Digits(o[2..], 8),
                var x when x.StartsWith("0x", StringComparison.Ordinal) => Digits(x[2..], 16),
                var z when z.Length > 1 && z[0] == '0' => Digits(z[1..], 8),
                var d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture),
            };
        }
        catch (FormatException)
        {
            throw new FormatException($"'{text}' is not a mask (e.g. 0o22, 022 or 18)");
        }
    }

    /// <summary>Every setting, in the order of the help text.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        Config, Bind, Backlog, ReusePort, Workers, WorkerConnections, Timeout, RequestTimeout, GracefulTimeout, BootTimeout, KeepAlive, HeaderTimeout,
        MaxRequests, MaxRequestsJitter, MaxWorkerMemory, MaxWorkerLifetime, MaxWorkerLifetimeJitter, LimitRequestLine, LimitRequestFields, LimitRequestFieldSize, HttpGrammar,
        Chdir, Daemon, RawEnv, PidFile, User, Group, InitGroups, Umask, ProcName, ForwardedAllowIps, SecureSchemeHeaders, ProxyProtocol, ProxyAllowIps, HttpProtocols, Http2Cleartext,
        ErrorLog, LogLevel, CaptureOutput, AccessLog, AccessLogFormat, CertFile, KeyFile, CaCerts, CertReqs, Ciphers,
        MetricsBind, StatsdHost, StatsdPrefix, DogstatsdTags, ControlSocket, ControlSocketMode, NoControlSocket, Reload, ReloadExtraFiles, CheckConfig, PrintConfig,
    ];
}
