using Gunicornet.Config;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>
/// Keeping the pool at its target (unicorn's maintain_worker_count and murder_lazy_workers), and
/// what a failed boot means.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>A worker that dies sooner than this after its spawn counts towards a crash loop.</summary>
    private static readonly TimeSpan CrashWindow = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between spawns in a crash loop.</summary>
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Random _random = new();
    private ServerConfig _goodConfig;
    private ArbiterStatus? _lastStatus;
    private int _lastGoodGeneration;
    private int _crashStreak;
    private DateTimeOffset? _nextSpawnAt;

    /// <summary>
    /// Spawns workers of the current generation until the pool is at its target, and retires the
    /// workers marked for replacement (old generation, max requests) only while more than the target
    /// are ready, so that serving capacity never dips below it.
    /// </summary>
    private void MaintainWorkerCount()
    {
        if (_stop is not null)
        {
            return;
        }

        var active = _workers.Where(w => w.State != WorkerState.Stopping && !w.ToReplace).ToList();
        var missing = TargetWorkers - active.Count;
        if (missing > 0 && (_nextSpawnAt is null || _time.GetUtcNow() >= _nextSpawnAt))
        {
            _nextSpawnAt = null;
            for (var i = 0; i < missing && _stop is null; i++)
            {
                SpawnWorker();
            }
        }

        foreach (var extra in active.OrderBy(w => w.Age).Take(Math.Max(0, -missing)))
        {
            Retire(extra, Signal.Term);
        }

        var replaced = _workers.Where(w => w.State != WorkerState.Stopping && w.ToReplace).OrderBy(w => w.Age).ToList();
        foreach (var worker in replaced.Where(w => w.State == WorkerState.Booting))
        {
            Retire(worker, Signal.Term);
        }

        var ready = _workers.Count(w => w.State == WorkerState.Ready);
        foreach (var worker in replaced.Where(w => w.State == WorkerState.Ready))
        {
            if (ready <= TargetWorkers)
            {
                break;
            }

            Retire(worker, Signal.Term);
            ready--;
        }

        if (_reloading && !_workers.Any(w => w.State != WorkerState.Stopping && (w.ToReplace || w.State == WorkerState.Booting)))
        {
            _reloading = false;
            LogReloaded(Generation, ready);
            if (LastReload is { State: ReloadState.Reloading } reload)
            {
                LastReload = reload with { State = ReloadState.Complete };
                Metrics.Reloaded(completed: true);
            }
        }
    }

    private void SpawnWorker()
    {
        var now = _time.GetUtcNow();
        var lifetime = _config.Get(Settings.MaxWorkerLifetime);
        var jitter = _config.Get(Settings.MaxWorkerLifetimeJitter);
        var taken = _workers.Where(w => w.State != WorkerState.Stopping && !w.ToReplace).Select(w => w.Slot).ToHashSet();
        var worker = new WorkerHandle(++_lastAge, Generation, now, Post)
        {
            Slot = Enumerable.Range(1, taken.Count + 1).First(slot => !taken.Contains(slot)),
            RetireAt = lifetime > 0 ? now + TimeSpan.FromSeconds(lifetime + (jitter > 0 ? _random.Next(0, jitter + 1) : 0)) : null,
            ServedLimit = _config.Get(Settings.MaxRequests) > 0
                ? _config.Get(Settings.MaxRequests) + (_config.Get(Settings.MaxRequestsJitter) > 0 ? _random.NextInt64(0, _config.Get(Settings.MaxRequestsJitter) + 1L) : 0)
                : 0,
        };
        try
        {
            worker.Attach(_launcher.Launch(worker.Age, worker.Generation, worker));
        }
        catch (Exception e)
        {
            LogSpawnFailed(e.Message, e);
            Stop(graceful: true, ExitCodes.Error, "Can't spawn workers.");
            return;
        }

        _workers.Add(worker);
        LogBootingWorker(worker.Pid);
    }

    /// <summary>
    /// Stops <paramref name="worker"/> with <paramref name="signal"/>; first tells it whether the pool
    /// goes on (<paramref name="restart"/>: its WebSockets get 1012 Service Restart) or stops (1001).
    /// </summary>
    private void Retire(WorkerHandle worker, Signal signal, bool restart = true)
    {
        LogRetiring(worker.Pid, worker.Generation);
        worker.State = WorkerState.Stopping;
        worker.StopRequestedAt ??= _time.GetUtcNow();
        worker.Tell(restart ? 'r' : 's');
        TrySignal(worker, signal);
    }

    private void TrySignal(WorkerHandle worker, Signal signal)
    {
        try
        {
            worker.Signal(signal);
        }
        catch (InvalidOperationException e)
        {
            // Its deadline still stands: a stopping worker is killed when the graceful timeout ends.
            LogSignalFailed(worker.Pid, e.Message);
        }
    }

    /// <summary>
    /// Kills workers whose heartbeat stopped (<c>--timeout</c>), that never became ready
    /// (<c>--boot-timeout</c>), or whose drain outlived the graceful timeout.
    /// </summary>
    private void MurderLazyWorkers()
    {
        var now = _time.GetUtcNow();
        foreach (var worker in _workers.Where(w => w.SignalSent != Signal.Kill).ToList())
        {
            if (worker.State == WorkerState.Stopping)
            {
                if (now >= worker.StopRequestedAt!.Value + _config.Seconds(Settings.GracefulTimeout))
                {
                    LogKillingOverdue(worker.Pid);
                    TrySignal(worker, Signal.Kill);
                }
            }
            else if (worker.State == WorkerState.Booting)
            {
                if (_config.Get(Settings.BootTimeout) > 0 && now >= worker.SpawnedAt + _config.Seconds(Settings.BootTimeout))
                {
                    LogBootTimeout(worker.Pid, _config.Get(Settings.BootTimeout));
                    worker.BootTimedOut = true;
                    worker.ExitReason = "timeout";
                    TrySignal(worker, Signal.Kill);
                }
            }
            else if (_config.Get(Settings.Timeout) > 0 && now >= worker.LastSeen + _config.Seconds(Settings.Timeout))
            {
                LogWorkerTimeout(worker.Pid);
                worker.ExitReason = "timeout";
                TrySignal(worker, Signal.Kill);
            }
        }
    }

    private DateTimeOffset? NextDeadline()
    {
        var next = _nextPulse is { } pulse && (_nextSpawnAt is null || pulse < _nextSpawnAt) ? pulse : _nextSpawnAt;
        foreach (var worker in _workers.Where(w => w.SignalSent != Signal.Kill))
        {
            DateTimeOffset? due = worker.State switch
            {
                WorkerState.Stopping => worker.StopRequestedAt!.Value + _config.Seconds(Settings.GracefulTimeout),
                WorkerState.Booting when _config.Get(Settings.BootTimeout) > 0 => worker.SpawnedAt + _config.Seconds(Settings.BootTimeout),
                WorkerState.Ready when _config.Get(Settings.Timeout) > 0 => worker.LastSeen + _config.Seconds(Settings.Timeout),
                _ => null,
            };
            if (due is not null && (next is null || due < next))
            {
                next = due;
            }
        }

        return next;
    }

    /// <summary>A worker exited before it was ready.</summary>
    private void HandleBootFailure(WorkerHandle worker, int exitCode)
    {
        var why = worker.BootTimedOut ? "it was not ready within the boot timeout" : $"it exited with code {exitCode} before it was ready";
        if (worker.Failure is { } failure)
        {
            why += ": " + failure;
        }

        if (_lastGoodGeneration == 0)
        {
            // As gunicorn: a first generation that cannot load the app will not do better on a respawn.
            if (exitCode == ExitCodes.AppLoadError)
            {
                Stop(graceful: true, ExitCodes.AppLoadError, worker.Failure ?? "App failed to load.");
            }
            else if (exitCode == ExitCodes.WorkerBootError || worker.BootTimedOut)
            {
                Stop(graceful: true, ExitCodes.WorkerBootError, worker.Failure ?? (worker.BootTimedOut ? "Worker failed to boot: not ready within the boot timeout." : "Worker failed to boot."));
            }
            else
            {
                CountCrash(worker);
            }
        }
        else if (worker.Generation == Generation && Generation != _lastGoodGeneration)
        {
            RollBack(worker.Pid, why);
        }
        else
        {
            CountCrash(worker);
        }
    }

    /// <summary>A reload's new code cannot boot: its workers go and the last good generation keeps serving.</summary>
    private void RollBack(int pid, string why)
    {
        var failed = Generation;
        LogReloadFailed(failed, pid, why, _lastGoodGeneration);
        if (LastReload is { State: ReloadState.Reloading } reload)
        {
            LastReload = reload with { State = ReloadState.RolledBack, Reason = $"generation {failed} cannot boot (worker {pid}: {why}); generation {_lastGoodGeneration} keeps serving" };
            Metrics.Reloaded(completed: false);
        }

        foreach (var worker in _workers.Where(w => w.State != WorkerState.Stopping))
        {
            if (worker.Generation == failed)
            {
                Retire(worker, Signal.Term);
            }
            else
            {
                worker.ToReplace = false;
                worker.ReplaceReason = null;
            }
        }

        Generation = _lastGoodGeneration;
        _config = _goodConfig;
        TargetWorkers = _config.Get(Settings.Workers);
        _reloading = false;
        if (_workers.All(w => w.Generation != failed))
        {
            _hooks.GenerationRetired(failed);
        }
    }

    /// <summary>Counts a worker that died unasked; one that keeps dying soon after its spawn is respawned later and later.</summary>
    private void CountCrash(WorkerHandle worker)
    {
        var lived = _time.GetUtcNow() - worker.SpawnedAt;
        if (lived >= CrashWindow)
        {
            _crashStreak = 0;
            return;
        }

        _crashStreak++;
        if (_crashStreak >= 2)
        {
            var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, _crashStreak - 2), MaxBackoff.TotalSeconds));
            _nextSpawnAt = _time.GetUtcNow() + delay;
            LogCrashLoop(_crashStreak, delay.TotalSeconds);
        }
    }
}
