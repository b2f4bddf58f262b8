using System.Net;
using System.Net.Security;
using System.Reflection;
using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Worker;

/// <summary>
/// What Gunicornet adds to an app's services inside a worker, whether the app implements
/// <see cref="IWebApp"/> or builds its own host: Kestrel on the inherited sockets, no console
/// lifetime (the worker handles signals), the error log, and request counters for heartbeats.
/// </summary>
internal static partial class WorkerServices
{
    private static readonly PropertyInfo? ProtocolsSetExplicitly =
        typeof(ListenOptions).GetProperty("ProtocolsSetExplicitly", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly PropertyInfo? CodeBackedListenOptions =
        typeof(KestrelServerOptions).GetProperty("CodeBackedListenOptions", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Adds the worker's services; call after the app's own registrations where possible.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration, WorkerSpec spec, RequestStats stats, Drain drain, WebSocketDrain webSockets, AccessLogger? accessLog, Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions? tls, TimeProvider time, WorkerMetrics? metrics, ILogger log)
    {
        var config = spec.Config;
        var proxy = ProxyProtocolOf(config, metrics, log);
        var strict = config.Get(Settings.HttpGrammar) == "strict" ? new StrictHttp(metrics, log) : null;
        var served = config.Get(Settings.HttpProtocols).Split(',');
        var cleartext = tls is null && served.Contains("h2") && config.Get(Settings.Http2Cleartext) != "off"
            ? new Http2Cleartext(TrustedOf(config.Get(Settings.ForwardedAllowIps)), config.Seconds(Settings.HeaderTimeout))
            : null;
        if (tls is not null && served.Length == 2)
        {
            PreferInAlpn(tls, served[0] == "h2" ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11);
        }

        services.PostConfigure<KestrelServerOptions>(options =>
        {
            if (cleartext is not null)
            {
                // A cleartext HTTP/2 request's :scheme is http; Kestrel checks it against the
                // connection, which its protocol choice was told is TLS (Http2Cleartext).
                options.AllowAlternateSchemes = true;
            }

            AdoptListeners(options, spec, drain, proxy, tls, cleartext, strict, Served(served, tls is not null, cleartext is not null), log);
            if (config.Get(Settings.KeepAlive) > 0)
            {
                options.Limits.KeepAliveTimeout = config.Seconds(Settings.KeepAlive);
            }

            ApplyLimits(options.Limits, config);
        });
        WrapTransports(services, drain);
        if (spec.Check)
        {
            services.RemoveAll<Microsoft.AspNetCore.Hosting.Server.IServer>();
            services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, CheckServer>();
        }
        else
        {
            IgnoreAppAddresses(services, log);
        }

        // Kestrel calls listen() again on an adopted socket with its own backlog (512 by default).
        services.Configure<SocketTransportOptions>(options => options.Backlog = config.Get(Settings.Backlog));
        services.Configure<HostOptions>(options => options.ShutdownTimeout = config.Seconds(Settings.GracefulTimeout));

        // The console lifetime would stop the host on SIGTERM by itself; the worker decides instead.
        services.RemoveAll<IHostLifetime>();
        services.AddSingleton<IHostLifetime, WorkerLifetime>();

        DataProtectionKeys.ShareWhenEphemeral(services, spec.KeysDirectory, log);
        services.AddSingleton(stats);
        var forwarded = ForwardedHeaders.Create(config.Get(Settings.ForwardedAllowIps), config.Get(Settings.SecureSchemeHeaders));
        var fieldLimit = config.Get(Settings.LimitRequestFieldSize) > 0 ? config.Get(Settings.LimitRequestFieldSize) : int.MaxValue;
        services.AddSingleton<IStartupFilter>(new RequestFilter(stats, drain, webSockets, accessLog, time, new RequestChecks(fieldLimit, forwarded), closeEveryConnection: config.Get(Settings.KeepAlive) <= 0, strict is not null));
        services.AddLogging(builder =>
        {
            builder.ClearProviders();
            builder.AddErrorLog(config.Get(Settings.LogLevel));

            // "Now listening on" and "Application started" would repeat once per worker.
            builder.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

            // The error log is no access log: per-request lines only when the app asks for them, as
            // the ASP.NET Core template's appsettings.json does.
            if (configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
            {
                builder.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            }
        });
    }

    /// <summary>
    /// gunicorn's limits on Kestrel. The request line: gunicorn counts it without its CRLF, Kestrel
    /// with it. Kestrel has no limit per header field: the total is sized for the count times the
    /// field limit, and <see cref="RequestFilter"/> checks each field.
    /// </summary>
    internal static void ApplyLimits(KestrelServerLimits limits, ServerConfig config)
    {
        var line = config.Get(Settings.LimitRequestLine);
        var fields = config.Get(Settings.LimitRequestFields);
        var fieldSize = config.Get(Settings.LimitRequestFieldSize);
        limits.MaxConcurrentConnections = config.Get(Settings.WorkerConnections);
        limits.RequestHeadersTimeout = config.Seconds(Settings.HeaderTimeout);
        limits.MaxConcurrentUpgradedConnections = config.Get(Settings.WorkerConnections);
        limits.MaxRequestLineSize = line > 0 ? line + 2 : 8192 + 2;
        limits.MaxRequestHeaderCount = fields;
        var perField = fieldSize > 0 ? fieldSize + 2L : 8192 + 2L;
        limits.MaxRequestHeadersTotalSize = (int)Math.Clamp(perField * fields, 32 * 1024, 64 * 1024 * 1024);
    }

    /// <summary>Replaces every endpoint the app configured with the sockets the master handed down.</summary>
    private static void AdoptListeners(KestrelServerOptions options, WorkerSpec spec, Drain drain, ProxyProtocol? proxy, Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions? tls, Http2Cleartext? cleartext, StrictHttp? strict, HttpProtocols? served, ILogger log)
    {
        var own = CodeBackedListenOptions?.GetValue(options) as List<ListenOptions>
            ?? throw new InvalidOperationException(
                "this Kestrel version has no KestrelServerOptions.CodeBackedListenOptions; Gunicornet cannot replace the app's endpoints");
        if (own.Count > 0)
        {
            LogIgnoringEndpoints(log, string.Join(", ", own));
            own.Clear();
        }

        var configuration = options.ConfigurationLoader?.Configuration;
        if (configuration?.GetSection("Endpoints").GetChildren().Any() == true)
        {
            LogIgnoringConfiguredEndpoints(log);
        }

        // The protocols the app asks of every endpoint still hold (the gRPC template's Http2, which
        // lets cleartext HTTP/2 in by prior knowledge); its own endpoints and certificates do not.
        var protocols = served ?? ConfiguredProtocols(configuration, log) ?? HttpProtocols.Http1;
        options.ConfigurationLoader = null;
        foreach (var fd in spec.ListenFds)
        {
            options.ListenHandle((ulong)fd, listen =>
            {
                listen.Protocols = protocols;
                if (cleartext is not null)
                {
                    // Both on a cleartext listener is what --http2-cleartext asks for: not Kestrel's
                    // warning that HTTP/2 needs TLS (given only for protocols set explicitly).
                    ProtocolsSetExplicitly?.SetValue(listen, false);
                }

                listen.Use(drain.Track);
                if (proxy is not null)
                {
                    // Before TLS: the header precedes the handshake.
                    listen.Use(proxy.Use);
                }

                if (tls is not null)
                {
                    listen.UseHttps(tls);
                }
                else if (cleartext is not null)
                {
                    listen.Use(cleartext.Use);
                }

                if (strict is not null && listen.Protocols != HttpProtocols.Http2)
                {
                    // On the bytes Kestrel's HTTP/1.1 parser reads: after TLS, not on HTTP/2.
                    listen.Use(strict.Use);
                }

                if (listen.Protocols.HasFlag(HttpProtocols.Http2))
                {
                    listen.Use(next => drain.TrackHttp2(next, everyConnection: listen.Protocols == HttpProtocols.Http2));
                }
            });
        }
    }

    /// <summary>
    /// The listeners' protocols as <c>--http-protocols</c> asks (null: h1 alone, the default, which
    /// leaves the app's own <c>Kestrel:EndpointDefaults:Protocols</c> in force, else HTTP/1.1 only).
    /// Without TLS, HTTP/2 only with <c>--http2-cleartext</c>, and HTTP/1.1 always.
    /// </summary>
    private static HttpProtocols? Served(string[] served, bool tls, bool cleartext) => served switch
    {
        ["h1"] => null,
        _ when !tls && !cleartext => HttpProtocols.Http1,
        _ when !tls => HttpProtocols.Http1AndHttp2,
        ["h2"] => HttpProtocols.Http2,
        _ => HttpProtocols.Http1AndHttp2,
    };

    /// <summary>Puts <paramref name="first"/> first in the protocols TLS offers the client (Kestrel offers h2 first).</summary>
    private static void PreferInAlpn(Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions tls, SslApplicationProtocol first)
    {
        var inner = tls.OnAuthenticate;
        tls.OnAuthenticate = (connection, ssl) =>
        {
            inner?.Invoke(connection, ssl);
            if (ssl.ApplicationProtocols is { Count: > 1 } offered && offered.Remove(first))
            {
                offered.Insert(0, first);
            }
        };
    }

    private static IPNetwork[]? TrustedOf(string list)
    {
        TrustedProxies.TryParse(list, out var trusted, out _);
        return trusted;
    }

    /// <summary>The PROXY protocol's connection middleware, or null when <c>--proxy-protocol</c> is off.</summary>
    private static ProxyProtocol? ProxyProtocolOf(ServerConfig config, WorkerMetrics? metrics, ILogger log)
    {
        var mode = config.Get(Settings.ProxyProtocol) switch
        {
            "v1" => ProxyProtocolMode.V1,
            "v2" => ProxyProtocolMode.V2,
            "auto" => ProxyProtocolMode.Auto,
            _ => ProxyProtocolMode.Off,
        };
        if (mode == ProxyProtocolMode.Off)
        {
            return null;
        }

        TrustedProxies.TryParse(config.Get(Settings.ProxyAllowIps), out var allowed, out _);
        return new ProxyProtocol(mode, allowed, config.Seconds(Settings.HeaderTimeout), metrics, log);
    }

    /// <summary>The app's <c>Kestrel:EndpointDefaults:Protocols</c>, or null when it sets none (or one Kestrel would refuse).</summary>
    private static HttpProtocols? ConfiguredProtocols(IConfiguration? configuration, ILogger log)
    {
        var text = configuration?["EndpointDefaults:Protocols"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Enum.TryParse<HttpProtocols>(text, ignoreCase: true, out var protocols) && Enum.IsDefined(protocols))
        {
            return protocols;
        }

        LogUnknownProtocols(log, text, string.Join(", ", Enum.GetNames<HttpProtocols>()));
        return null;
    }

    [LoggerMessage(EventId = EventIds.IgnoringEndpoints, Level = LogLevel.Information, Message = "Ignoring the app's own endpoints ({Endpoints}); serving on the master's sockets")]
    private static partial void LogIgnoringEndpoints(ILogger logger, string endpoints);

    [LoggerMessage(EventId = EventIds.IgnoringConfiguredEndpoints, Level = LogLevel.Information, Message = "Ignoring the endpoints in the app's Kestrel configuration; serving on the master's sockets")]
    private static partial void LogIgnoringConfiguredEndpoints(ILogger logger);

    [LoggerMessage(EventId = EventIds.UnknownProtocols, Level = LogLevel.Warning, Message = "Ignoring Kestrel:EndpointDefaults:Protocols '{Protocols}' in the app's configuration: not one of {Known}")]
    private static partial void LogUnknownProtocols(ILogger logger, string protocols, string known);

    private sealed class WorkerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Every transport Kestrel was given goes through the drain's listener wrapper.</summary>
    private static void WrapTransports(IServiceCollection services, Drain drain) =>
        Decorate<IConnectionListenerFactory>(services, inner => new DrainingListenerFactory(inner, drain));

    /// <summary>The server (Kestrel) goes through <see cref="AddressIgnoringServer"/>.</summary>
    private static void IgnoreAppAddresses(IServiceCollection services, ILogger log) =>
        Decorate<Microsoft.AspNetCore.Hosting.Server.IServer>(services, inner => new AddressIgnoringServer(inner, log));

    /// <summary>Replaces each registration of <typeparamref name="T"/> with <paramref name="wrap"/> around what it made.</summary>
    private static void Decorate<T>(IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(T) && !d.IsKeyedService).ToList())
        {
            services.Remove(descriptor);
            services.AddSingleton(provider => wrap((T)(descriptor.ImplementationInstance
                ?? descriptor.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!))));
        }
    }

    /// <summary>Counts requests for the heartbeat; closes connections after their response while draining.</summary>
    private sealed class RequestFilter(RequestStats stats, Drain drain, WebSocketDrain webSockets, AccessLogger? accessLog, TimeProvider time, RequestChecks checks, bool closeEveryConnection, bool strict) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate inner) =>
            {
                // Decided when the request starts, at no cost per request otherwise: once the drain
                // has begun, every request answered closes its connection after the response.
                if ((closeEveryConnection || drain.Draining) && !HttpProtocol.IsHttp2(context.Request.Protocol))
                {
                    context.Response.Headers.Connection = "close";
                }

                var ticket = stats.Begin();
                webSockets.Watch(context, () => stats.Upgraded(ticket));
                if (strict)
                {
                    StrictHttp.Watch(context);
                }
                var start = accessLog is null ? default : time.GetUtcNow();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var body = accessLog?.Begin(context);
                var failed = true;
                try
                {
                    if (await checks.CheckAsync(context) is { } refusal)
                    {
                        context.Response.StatusCode = refusal.Status;
                        context.Response.Headers.Connection = "close";
                        context.Response.ContentType = "text/plain";
                        await context.Response.WriteAsync(refusal.Reason + "\n");
                    }
                    else if (SignalRWebSockets.Applies(context))
                    {
                        await SignalRWebSockets.RunAsync(context, inner);
                    }
                    else
                    {
                        await inner(context);
                    }

                    failed = false;
                }
                finally
                {
                    stats.End(ticket);
                    accessLog?.Log(context, start, started, body, failed);
                }
            });
            next(app);
        };
    }
}
