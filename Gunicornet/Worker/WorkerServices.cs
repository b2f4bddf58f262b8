using System.Reflection;
using Gunicornet.Logging;
using Microsoft.AspNetCore.Builder;
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
internal static class WorkerServices
{
    private static readonly PropertyInfo? CodeBackedListenOptions =
        typeof(KestrelServerOptions).GetProperty("CodeBackedListenOptions", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Adds the worker's services; call after the app's own registrations where possible.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration, WorkerSpec spec, RequestStats stats, ILogger log)
    {
        services.PostConfigure<KestrelServerOptions>(options => AdoptListeners(options, spec, log));

        // Kestrel calls listen() again on an adopted socket with its own backlog (512 by default).
        services.Configure<SocketTransportOptions>(options => options.Backlog = spec.Backlog);
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(spec.GracefulTimeoutSeconds));

        // The console lifetime would stop the host on SIGTERM by itself; the worker decides instead.
        services.RemoveAll<IHostLifetime>();
        services.AddSingleton<IHostLifetime, WorkerLifetime>();

        services.AddSingleton(stats);
        services.AddSingleton<IStartupFilter, RequestCountingFilter>();
        services.AddLogging(builder =>
        {
            builder.ClearProviders();
            builder.AddErrorLog(Config.CommandLine.ParseLogLevel(spec.LogLevel));

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

    /// <summary>Replaces every endpoint the app configured with the sockets the master handed down.</summary>
    private static void AdoptListeners(KestrelServerOptions options, WorkerSpec spec, ILogger log)
    {
        var own = CodeBackedListenOptions?.GetValue(options) as List<ListenOptions>
            ?? throw new InvalidOperationException(
                "this Kestrel version has no KestrelServerOptions.CodeBackedListenOptions; Gunicornet cannot replace the app's endpoints");
        if (own.Count > 0)
        {
            log.LogInformation("Ignoring the app's own endpoints ({Endpoints}); serving on the master's sockets", string.Join(", ", own));
            own.Clear();
        }

        if (options.ConfigurationLoader?.Configuration.GetSection("Endpoints").GetChildren().Any() == true)
        {
            log.LogInformation("Ignoring the endpoints in the app's Kestrel configuration; serving on the master's sockets");
        }

        options.ConfigurationLoader = null;
        foreach (var fd in spec.ListenFds)
        {
            options.ListenHandle((ulong)fd);
        }
    }

    private sealed class WorkerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RequestCountingFilter(RequestStats stats) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate inner) =>
            {
                stats.Begin();
                try
                {
                    await inner(context);
                }
                finally
                {
                    stats.End();
                }
            });
            next(app);
        };
    }
}
