using Gunicornet.Config;
using Gunicornet.Logging;
using Gunicornet.Posix;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gunicornet.Worker;

/// <summary>How a worker stops: drained (TERM, or its master gone) or at once (INT, QUIT).</summary>
internal sealed partial class WorkerHost
{
    private void OnSignal(Signal signal)
    {
        switch (signal)
        {
            case Signal.Term:
                Stop(_spec.Config.Seconds(Settings.GracefulTimeout), masterGone: false);
                break;
            case Signal.Int:
            case Signal.Quit:
                ExitNow();
                break;
            case Signal.Usr1:
                ReopenLog();
                break;

            // HUP, TTIN, TTOU, WINCH and USR2 are for the master; a terminal may send them to the
            // whole process group, and their default action would kill (or stop) the worker.
            default:
                break;
        }
    }

    private void OnMasterGone()
    {
        LogParentChanged(Environment.ProcessId);
        Stop(OrphanDrain, masterGone: true);
    }

    /// <summary>
    /// Drains within <paramref name="timeout"/>: stops accepting, closes each connection after its next
    /// response or at the keep-alive timeout, then stops the host with whatever time is left.
    /// </summary>
    private void Stop(TimeSpan timeout, bool masterGone)
    {
        IHost? host;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            host = _host;
        }

        if (host is null || !_ready)
        {
            // Not serving yet: there is nothing to drain.
            ExitNow();
            return;
        }

        _ = Task.Run(async () =>
        {
            var deadline = _time.GetUtcNow() + timeout;
            _drain.Begin();
            LogDraining(_drain.Connections);
            _webSockets.CloseAll(await WebSocketCloseCodeAsync(masterGone).ConfigureAwait(false));
            await _drain.WaitForConnectionsAsync(timeout).ConfigureAwait(false);

            var options = host.Services.GetRequiredService<IOptions<HostOptions>>().Value;
            var left = deadline - _time.GetUtcNow();
            options.ShutdownTimeout = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        });
    }

    /// <summary>
    /// 1012 Service Restart when the master said this is a restart (it writes why just before its
    /// TERM; a moment is allowed for that byte), 1001 Going Away when the master stops, is gone, or an
    /// operator's TERM came without a word from it.
    /// </summary>
    private async Task<ushort> WebSocketCloseCodeAsync(bool masterGone)
    {
        if (masterGone || _webSockets.Count == 0)
        {
            return WebSocketDrain.GoingAway;
        }

        var reason = _channel.RetireReason;
        await Task.WhenAny(reason, Task.Delay(TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
        return reason.IsCompletedSuccessfully && reason.Result == 'r' ? WebSocketDrain.ServiceRestart : WebSocketDrain.GoingAway;
    }

    /// <summary>Exits without draining (INT, QUIT, or TERM before it serves): the access lines queued are written, the requests in flight are cut.</summary>
    private void ExitNow()
    {
        LogExiting(Environment.ProcessId);
        _accessLog?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _loggers.Dispose();
        ProcessExit.Now(ExitCodes.Ok);
    }

    private void ReopenLog()
    {
        try
        {
            if (_accessLog is not null)
            {
                _accessLog.Reopen();
                LogAccessLogReopened();
            }
        }
        catch (IOException e)
        {
            LogAccessLogReopenFailed(e.Message);
        }

        if (_spec.Config.ErrorLogFile is not { } path)
        {
            return;
        }

        try
        {
            LogFile.RedirectStderr(path);
            LogReopened(path);
        }
        catch (IOException e)
        {
            LogErrorLogReopenFailed(e.Message);
        }
    }
}
