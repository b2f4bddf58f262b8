using System.Text;

namespace Gunicornet.Config;

/// <summary>Writes <c>docs/settings.md</c> from the settings table (a test fails when the file is stale).</summary>
internal static class SettingsDoc
{
    /// <summary>gunicorn's settings that have no meaning for .NET (or not yet), and why.</summary>
    public static readonly (string Names, string Reason)[] NoEquivalent =
    [
        ("`preload_app`", "a running .NET runtime cannot fork, so there is nothing to share by loading before the workers exist; each worker loads the app itself (a worker boots in about 230 ms)."),
        ("`worker_class`, `threads`, `worker_tmp_dir`", "every worker is Kestrel on the .NET thread pool, which sizes itself; liveness comes through a pipe, not a temporary file."),
        ("`pythonpath`, `paste`, `raw_paste_global_conf`, `wsgi_app`", "the app is a .NET assembly named by `APP`; its dependencies come from its own deps.json."),
        ("`reload_engine`", "`--reload` uses inotify through .NET's FileSystemWatcher; there is no other engine to choose."),
        ("the server hooks (`on_starting`, `pre_fork`, `post_worker_init`, `when_ready`, ...)", "they are Python callables; an app runs its own code at start (IWebApp.Configure, IHostedService) and the master's events are in the error log and on the control socket."),
        ("`logconfig`, `logconfig_dict`, `logconfig_json`, `syslog`, `syslog_addr`, `syslog_prefix`, `syslog_facility`, `enable_stdio_inheritance`, `disable_redirect_access_to_syslog`", "logging configuration belongs to Microsoft.Extensions.Logging in the app (its providers and appsettings.json); under systemd the journal collects stderr."),
        ("`statsd_host`, `statsd_prefix`, `dogstatsd_tags`", "not yet: the control socket's `show stats`/`show workers` give the figures; .NET's own metrics are there for dotnet-counters or OpenTelemetry."),
        ("`proxy_protocol`, `proxy_allow_ips`", "not yet: Kestrel has no PROXY protocol listener; behind nginx use X-Forwarded-For with `forwarded_allow_ips`."),
        ("`ssl_version`, `do_handshake_on_connect`, `suppress_ragged_eofs`", "Kestrel negotiates TLS 1.2 or 1.3 and handshakes before the first request; ragged EOFs are its concern."),
        ("`sendfile`", "Kestrel decides how to send a file (the app's static file middleware)."),
        ("`tmp_upload_dir`", "ASP.NET Core buffers large request bodies in `ASPNETCORE_TEMP` (set it with `-e`)."),
        ("`spew`", "a Python tracing aid; use `dotnet-trace`."),
        ("`strip_header_spaces`, `permit_unconventional_http_method`, `permit_unconventional_http_version`, `casefold_http_method`, `header_map`, `forwarder_headers`", "HTTP parsing is Kestrel's, which is strict where these loosen gunicorn."),
    ];

    /// <summary>The whole reference, in Markdown.</summary>
    public static string Generate()
    {
        var doc = new StringBuilder();
        doc.AppendLine("# Settings");
        doc.AppendLine();
        doc.AppendLine("Generated from Gunicornet's settings table (`Gunicornet/Config/Settings.cs`); do not edit by hand.");
        doc.AppendLine("Each setting can be given on the command line, in `GUNICORNET_CMD_ARGS` (options as on the command line),");
        doc.AppendLine("or by its name in a config file (`-c`: JSON, or a gunicorn `.py` config of plain `name = value` assignments).");
        doc.AppendLine("Precedence: default < `PORT`, `WEB_CONCURRENCY` < config file < `GUNICORNET_CMD_ARGS` < command line.");
        foreach (var section in Settings.All.GroupBy(s => s.Section))
        {
            doc.AppendLine();
            doc.AppendLine($"## {section.Key}");
            foreach (var setting in section)
            {
                doc.AppendLine();
                doc.AppendLine($"### `{setting.Name}`");
                doc.AppendLine();
                doc.AppendLine($"Command line: {string.Join(", ", setting.Flags.Select(f => $"`{f}`"))}");
                doc.AppendLine();
                doc.AppendLine(setting.Help);
            }
        }

        doc.AppendLine();
        doc.AppendLine("## gunicorn settings with no equivalent");
        doc.AppendLine();
        foreach (var (names, reason) in NoEquivalent)
        {
            doc.AppendLine($"- {names}: {reason}");
        }

        return doc.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
