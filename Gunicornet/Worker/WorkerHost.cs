using System.Reflection;
using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Posix;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gunicornet.Worker;

/// <summary>
/// What runs inside a worker process (the master's view of it is <c>Master.WorkerHandle</c>): loads
/// the app, serves it on the inherited sockets, reports ready and heartbeats, and stops as told.
/// </summary>
internal sealed partial class WorkerHost
{
    /// <summary>How long a worker whose master died may finish its requests.</summary>
    private static readonly TimeSpan OrphanDrain = TimeSpan.FromSeconds(1);

    private readonly WorkerSpec _spec;
    private readonly WorkerChannel _channel;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly RequestStats _stats = new();
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Drain _drain;
    private readonly WebSocketDrain _webSockets = new();
    private readonly AccessLogger? _accessLog;
    private readonly WorkerMetrics? _metrics;
    private readonly Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions? _tls;
    private readonly Lock _lock = new();
    private IHost? _host;
    private bool _ready;
    private bool _stopping;

    public WorkerHost(WorkerSpec spec, WorkerChannel channel, ILoggerFactory loggers, Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions? tls = null)
    {
        _spec = spec;
        _tls = tls;
        _channel = channel;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Gunicornet.Worker");
        _drain = new Drain(OpenBoard(spec), spec.BalanceSlot, _time);
        _metrics = spec.Config.Get(Settings.MetricsBind).Length > 0 || spec.Config.Get(Settings.StatsdHost) is not null ? new WorkerMetrics() : null;
        _accessLog = spec.Config.Get(Settings.AccessLog) is { } target
            ? new AccessLogger(Logging.AccessLogFormat.Parse(spec.Config.Get(Settings.AccessLogFormat)), Logging.AccessLogWriter.Open(target, LogAccessLogFailure))
            : null;
    }

    /// <summary>The balance board, or null (no balancing) when it cannot be mapped.</summary>
    private Balance.BalanceBoard? OpenBoard(WorkerSpec spec)
    {
        if (spec.BalanceFile is null || spec.BalanceSlot < 0)
        {
            return null;
        }

        try
        {
            return Balance.BalanceBoard.Open(spec.BalanceFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNoBalancing(spec.BalanceFile, e.Message);
            return null;
        }
    }

    /// <summary>Loads and serves the app until told to stop; returns the worker's exit code.</summary>
    public int Run()
    {
        using var signals = new SignalSource(
            [Signal.Term, Signal.Int, Signal.Quit, Signal.Hup, Signal.Ttin, Signal.Ttou, Signal.Winch, Signal.Usr1, Signal.Usr2],
            OnSignal);
        _channel.WatchMaster(OnMasterGone);

        LoadedApp app;
        try
        {
            app = AppLoader.Load(new AppSpec(_spec.AppPath, _spec.TypeName));
        }
        catch (AppLoadException e)
        {
            LogAppLoadError(e.Message);
            return ExitCodes.AppLoadError;
        }

        // Assembly.Load(name) calls made by the framework on the app's behalf (MVC's application
        // parts, for one) must resolve in the app's context.
        using var contextual = app.Context.EnterContextualReflection();
        AppIdentity.Assume(app.Assembly, _spec.BaseDirectory ?? Path.GetDirectoryName(_spec.AppPath)!);
        var exitCode = app switch
        {
            WebAppType web => RunWebApp(web),
            EntryPointApp entry => RunEntryPoint(entry),
            _ => ExitCodes.AppLoadError,
        };
        if (exitCode is not ExitCodes.AppLoadError and not ExitCodes.WorkerBootError)
        {
            LogExiting(Environment.ProcessId);
        }

        // Writes out the lines still queued.
        _accessLog?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_metrics is not null)
        {
            // The last figures, so that a worker that leaves in good order loses none.
            _channel.Send(_metrics.TakeReport(_stats.InFlight));
            _metrics.Dispose();
        }
        return exitCode;
    }

    private int RunWebApp(WebAppType web)
    {
        WebApplication host;
        try
        {
            var app = (IWebApp)Activator.CreateInstance(web.Type)!;
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                ApplicationName = web.Assembly.GetName().Name,
                ContentRootPath = _spec.ContentRoot,
                Args = [],
            });
            AddWorkerServices(builder.Services, builder.Configuration);
            app.ConfigureServices(builder);
            host = builder.Build();
            app.Configure(host);
        }
        catch (Exception e)
        {
            LogAppException(Unwrap(e).Message, Unwrap(e));
            return ExitCodes.AppLoadError;
        }

        OnHostBuilt(host);
        try
        {
            host.Run();
            return ExitCodes.Ok;
        }
        catch (Exception e)
        {
            return Crashed(e);
        }
    }

    private int RunEntryPoint(EntryPointApp entry)
    {
        using var interceptor = new HostInterceptor(
            builder => builder.ConfigureServices((context, services) => AddWorkerServices(services, context.Configuration)),
            OnHostBuilt);
        object? result;
        try
        {
            result = entry.EntryPoint.Invoke(null, entry.EntryPoint.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        catch (Exception e)
        {
            if (!interceptor.HostBuilt)
            {
                LogAppException(Unwrap(e).Message, Unwrap(e));
                return ExitCodes.AppLoadError;
            }

            return Crashed(e);
        }

        if (!_ready)
        {
            LogAppLoadError($"{Path.GetFileName(_spec.AppPath)}: Main returned without running a web host");
            return ExitCodes.AppLoadError;
        }

        return result is int code ? code : ExitCodes.Ok;
    }

    private void AddWorkerServices(IServiceCollection services, IConfiguration configuration) =>
        WorkerServices.Add(services, configuration, _spec, _stats, _drain, _webSockets, _accessLog, _tls, _time, _metrics, _loggers.CreateLogger("Gunicornet.Worker"));

    private void OnHostBuilt(IHost host)
    {
        bool stopAlready;
        lock (_lock)
        {
            _host = host;
            stopAlready = _stopping;
        }

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            _ready = true;
            if (_spec.Check)
            {
                // Booted as far as a worker boots before it serves: nothing more to check.
                lifetime.StopApplication();
                return;
            }

            _channel.Send(new Ready(Environment.WorkingSet / 1024));
            // What the boot cost in compiling, for whoever tunes it (a ReadyToRun publish of the app cuts it).
            LogStarted(System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);
            _ = HeartbeatAsync(lifetime.ApplicationStopping);
        });
        if (stopAlready)
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Beats from the thread pool, so that a starved pool (or a deadlock) silences the heartbeat and
    /// the master's timeout catches it.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false)
                && _channel.Send(new Heartbeat(_stats.Served, _stats.InFlight, (long)_stats.OldestInFlight.TotalMilliseconds, Environment.WorkingSet / 1024))
                && (_metrics is null || _channel.Send(_metrics.TakeReport(_stats.InFlight))))
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int Crashed(Exception e)
    {
        var error = Unwrap(e);
        if (!_ready)
        {
            LogBootError(error.Message, error);
            return ExitCodes.WorkerBootError;
        }

        LogWorkerCrashed(error.Message, error);
        return ExitCodes.Error;
    }

    private static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } inner } ? inner : e;
}
