using Gunicornet.Posix;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gunicornet.Worker;

/// <summary>How a worker stops: gracefully (TERM, or its master gone) or at once (INT, QUIT).</summary>
internal sealed partial class WorkerHost
{
    private void OnSignal(Signal signal)
    {
        switch (signal)
        {
            case Signal.Term:
                Stop(TimeSpan.FromSeconds(_spec.GracefulTimeoutSeconds));
                break;
            case Signal.Int:
            case Signal.Quit:
                ExitNow();
                break;

            // HUP, TTIN, TTOU and WINCH are for the master; a terminal may send them to the whole
            // process group, and their default action would kill (or stop) the worker.
            default:
                break;
        }
    }

    private void OnMasterGone()
    {
        LogParentChanged(Environment.ProcessId);
        Stop(OrphanDrain);
    }

    /// <summary>
    /// Stops accepting and lets in-flight requests finish within <paramref name="timeout"/>. The host's
    /// own stop does the draining; its timeout is read from <see cref="HostOptions"/> when it begins.
    /// </summary>
    private void Stop(TimeSpan timeout)
    {
        IHost? host;
        lock (_lock)
        {
            _stopping = true;
            host = _host;
        }

        if (host is null)
        {
            // Told to stop before the app was even built: there is nothing to drain.
            ExitNow();
            return;
        }

        var options = host.Services.GetRequiredService<IOptions<HostOptions>>().Value;
        if (timeout < options.ShutdownTimeout)
        {
            options.ShutdownTimeout = timeout;
        }

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
    }

    private void ExitNow()
    {
        LogExiting(Environment.ProcessId);
        _loggers.Dispose();
        Environment.Exit(ExitCodes.Ok);
    }
}
