using Gunicornet.Config;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>What the master does on each signal (gunicorn's handle_* methods).</summary>
internal sealed partial class Arbiter
{
    private bool _reloading;

    /// <summary>
    /// Does what <paramref name="signal"/> would, on behalf of the control socket (call inside the
    /// loop, through a <see cref="LoopAction"/>).
    /// </summary>
    internal void Command(Signal signal, string command)
    {
        LogControlCommand(command);
        Act(signal);
    }

    private void HandleSignal(Signal signal)
    {
        LogHandlingSignal(signal.Name());
        Act(signal);
    }

    private void Act(Signal signal)
    {
        switch (signal)
        {
            case Signal.Term:
                Stop(graceful: true, ExitCodes.Ok, reason: null);
                break;
            case Signal.Int:
            case Signal.Quit:
                Stop(graceful: false, ExitCodes.Ok, reason: null);
                break;
            case Signal.Hup:
                HandleHup();
                break;
            case Signal.Ttin:
                TargetWorkers++;
                LogWorkerCount(TargetWorkers);
                break;
            case Signal.Ttou:
                TargetWorkers = Math.Max(1, TargetWorkers - 1);
                LogWorkerCount(TargetWorkers);
                break;
            case Signal.Winch:
                // Stop every worker, keep the master and its sockets (before a USR2 upgrade, say);
                // HUP or TTIN brings workers back.
                TargetWorkers = 0;
                LogWorkerCount(TargetWorkers);
                break;
            case Signal.Usr1:
                HandleUsr1();
                break;
            case Signal.Usr2:
                _hooks.Upgrade();
                break;
            default:
                LogSignalNotSupported(signal.Name());
                break;
        }
    }

    /// <summary>
    /// Reload: a new generation is spawned and the running one retired only as the new workers
    /// report ready. A configuration that cannot be read, or new workers that cannot boot, leave the
    /// running generation serving.
    /// </summary>
    private void HandleHup()
    {
        if (_stop is not null)
        {
            return;
        }

        var next = Generation + 1;
        var number = (LastReload?.Number ?? 0) + 1;
        ReloadResult result;
        try
        {
            result = _hooks.Reload(next, _config);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong, the reload ends as refused (and says why), never silently.
            result = ReloadResult.Refused($"{e.GetType().Name}: {e.Message}");
        }

        if (result.Config is not { } config)
        {
            LogReloadRefused(result.Error ?? "unknown error");
            LastReload = new ReloadOutcome(number, Generation, ReloadState.Refused, result.Error);
            return;
        }

        LastReload = new ReloadOutcome(number, next, ReloadState.Reloading, null);

        foreach (var worker in _workers.Where(w => w.State != WorkerState.Stopping))
        {
            if (worker.State == WorkerState.Booting)
            {
                // A reload that supersedes another: its workers that are not serving yet go at once.
                Retire(worker, Signal.Term);
            }
            else
            {
                Replace(worker, "reload");
            }
        }

        var previous = Generation;
        Generation = next;
        _config = config;
        TargetWorkers = config.Get(Settings.Workers);
        _reloading = true;
        _nextSpawnAt = null;
        _crashStreak = 0;
        if (_workers.All(w => w.Generation != previous) && previous != _lastGoodGeneration)
        {
            _hooks.GenerationRetired(previous);
        }

        LogReloading(Generation, TargetWorkers);
    }

    private void HandleUsr1()
    {
        _hooks.ReopenLogs();
        foreach (var worker in _workers)
        {
            TrySignal(worker, Signal.Usr1);
        }
    }

    private void Stop(bool graceful, int exitCode, string? reason)
    {
        if (_stop is { } current)
        {
            if (!graceful && current.Graceful)
            {
                // A quick stop overrides a graceful one under way (TERM, then INT).
                _stop = current with { Graceful = false };
                _workers.ForEach(w => TrySignal(w, Signal.Quit));
            }

            return;
        }

        _stop = new StopRequest(graceful, exitCode, reason);
        foreach (var worker in _workers)
        {
            Retire(worker, graceful ? Signal.Term : Signal.Quit, restart: false);
        }

        // After the workers were told: a listener that fails to close must not leave them running.
        _hooks.Stopping();
    }
}
