namespace Gunicornet.Config;

/// <summary>A gunicorn setting with no meaning for .NET (or not yet): accepted, and a warning says why it does nothing.</summary>
/// <param name="Name">Its name in a config file.</param>
/// <param name="Flags">Its command-line flags (none for a config-only setting, such as a server hook).</param>
/// <param name="TakesValue">True when the flag is followed by a value; false for a switch.</param>
/// <param name="Reason">Why it has no effect here: the warning's text and the docs'.</param>
internal sealed record GunicornOnlySetting(string Name, string[] Flags, bool TakesValue, string Reason)
{
    /// <summary>The warning when a configuration sets it.</summary>
    public string Warning(string where) => $"{where} has no effect here: {Reason}";
}

/// <summary>
/// gunicorn's settings that Gunicornet does not have. A gunicorn user's command line or config file
/// keeps working: each such setting is accepted, with one warning line saying why it has no effect
/// (a typo stays an error). The list follows gunicorn's own settings table.
/// </summary>
internal static class GunicornOnly
{
    private const string Preload = "workers are spawned, not forked (a running .NET runtime cannot fork): each loads the app itself, so there is nothing to load before them";
    private const string Workers = "every worker is Kestrel on the .NET thread pool, which sizes itself";
    private const string TmpDir = "a worker's liveness comes through its pipe to the master, not a temporary file";
    private const string PythonApp = "the app is a .NET assembly named by APP, its dependencies found through its own deps.json";
    private const string ReloadEngine = "--reload watches with inotify (.NET's FileSystemWatcher); there is no other engine";
    private const string Hook = "server hooks are Python callables, which Gunicornet does not run; an app runs its own start code (IWebApp.Configure, IHostedService), and the master's events are in the error log and on the control socket";
    private const string Logging = "the app's logging is Microsoft.Extensions.Logging's (its providers and appsettings.json); under systemd the journal collects stderr";
    private const string Statsd = "the listen backlog's length is not sent to statsd; kestrel_queued_connections on --metrics-bind's /metrics is the nearest figure";
    private const string Tls = "Kestrel negotiates TLS 1.2 or 1.3 and completes the handshake before the first request";
    private const string Parsing = "HTTP parsing is Kestrel's, strict where this setting loosens gunicorn's";
    private const string Http2Limits = "Kestrel's own HTTP/2 limits apply (KestrelServerOptions.Limits.Http2: 100 streams, 768 KiB stream and 1 MiB connection windows, 16 KiB frames)";

    /// <summary>Every gunicorn setting Gunicornet accepts without acting on it.</summary>
    public static readonly GunicornOnlySetting[] All =
    [
        new("preload_app", ["--preload"], false, Preload),
        new("worker_class", ["-k", "--worker-class"], true, Workers),
        new("threads", ["--threads"], true, Workers),
        new("worker_tmp_dir", ["--worker-tmp-dir"], true, TmpDir),
        new("pythonpath", ["--pythonpath"], true, PythonApp),
        new("paste", ["--paste", "--paster"], true, PythonApp),
        new("raw_paste_global_conf", ["--paste-global"], true, PythonApp),
        new("wsgi_app", [], true, PythonApp),
        new("reload_engine", ["--reload-engine"], true, ReloadEngine),
        new("spew", ["--spew"], false, "a Python tracing aid; trace a .NET process with dotnet-trace"),
        new("sendfile", ["--no-sendfile"], false, "Kestrel decides how to send a file"),
        new("tmp_upload_dir", [], true, "ASP.NET Core buffers large request bodies in ASPNETCORE_TEMP (set it with -e)"),
        new("logger_class", ["--logger-class"], true, Logging),
        new("logconfig", ["--log-config"], true, Logging),
        new("logconfig_dict", [], true, Logging),
        new("logconfig_json", ["--log-config-json"], true, Logging),
        new("syslog", ["--log-syslog"], false, Logging),
        new("syslog_addr", ["--log-syslog-to"], true, Logging),
        new("syslog_prefix", ["--log-syslog-prefix"], true, Logging),
        new("syslog_facility", ["--log-syslog-facility"], true, Logging),
        new("enable_stdio_inheritance", ["-R", "--enable-stdio-inheritance"], false, Logging),
        new("disable_redirect_access_to_syslog", ["--disable-redirect-access-to-syslog"], false, Logging),
        new("enable_backlog_metric", ["--enable-backlog-metric"], false, Statsd),
        new("protocol", ["--protocol"], true, "workers speak HTTP; uwsgi is not spoken"),
        new("uwsgi_allow_ips", ["--uwsgi-allow-from"], true, "workers speak HTTP; uwsgi is not spoken"),
        new("ssl_version", ["--ssl-version"], true, Tls),
        new("do_handshake_on_connect", ["--do-handshake-on-connect"], false, Tls),
        new("suppress_ragged_eofs", ["--suppress-ragged-eofs"], false, Tls),
        new("ssl_context", [], true, Hook),
        new("http2_max_concurrent_streams", ["--http2-max-concurrent-streams"], true, Http2Limits),
        new("http2_initial_window_size", ["--http2-initial-window-size"], true, Http2Limits),
        new("http2_max_frame_size", ["--http2-max-frame-size"], true, Http2Limits),
        new("http2_max_header_list_size", ["--http2-max-header-list-size"], true, Http2Limits),
        new("permit_obsolete_folding", ["--permit-obsolete-folding"], false, Parsing),
        new("strip_header_spaces", ["--strip-header-spaces"], false, Parsing),
        new("permit_unconventional_http_method", ["--permit-unconventional-http-method"], false, Parsing),
        new("permit_unconventional_http_version", ["--permit-unconventional-http-version"], false, Parsing),
        new("casefold_http_method", ["--casefold-http-method"], false, Parsing),
        new("forwarder_headers", ["--forwarder-headers"], true, Parsing),
        new("header_map", ["--header-map"], true, Parsing),
        new("http_parser", ["--http-parser"], true, "gunicorn's choice of parser implementation; here Kestrel parses, behind the RFC 9112 grammar check that --http-grammar turns on or off"),
        new("root_path", ["--root-path"], true, "an app sets its own path base (app.UsePathBase)"),
        new("asgi_loop", ["--asgi-loop"], true, "there is no ASGI here: the app is ASP.NET Core"),
        new("asgi_lifespan", ["--asgi-lifespan"], true, "there is no ASGI here: the app is ASP.NET Core"),
        new("asgi_disconnect_grace_period", ["--asgi-disconnect-grace-period"], true, "there is no ASGI here: the app is ASP.NET Core"),
        new("dirty_apps", ["--dirty-app"], true, "gunicorn's dirty workers run Python; run a separate process for such work"),
        new("dirty_workers", ["--dirty-workers"], true, "gunicorn's dirty workers run Python; run a separate process for such work"),
        new("dirty_timeout", ["--dirty-timeout"], true, "gunicorn's dirty workers run Python; run a separate process for such work"),
        new("dirty_threads", ["--dirty-threads"], true, "gunicorn's dirty workers run Python; run a separate process for such work"),
        new("dirty_graceful_timeout", ["--dirty-graceful-timeout"], true, "gunicorn's dirty workers run Python; run a separate process for such work"),
        .. new[]
        {
            "on_starting", "on_reload", "when_ready", "pre_fork", "post_fork", "post_worker_init", "worker_int", "worker_abort", "pre_exec",
            "pre_request", "post_request", "child_exit", "worker_exit", "nworkers_changed", "on_exit",
            "on_dirty_starting", "dirty_post_fork", "dirty_worker_init", "dirty_worker_exit",
        }.Select(hook => new GunicornOnlySetting(hook, [], true, Hook)),
    ];

    private static readonly Dictionary<string, GunicornOnlySetting> ByName = All.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The gunicorn-only setting of that config-file name, or null.</summary>
    public static GunicornOnlySetting? Named(string name) => ByName.GetValueOrDefault(name);
}
