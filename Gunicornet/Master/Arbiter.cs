using System.Threading.Channels;
using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Posix;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>
/// The master's supervision loop (gunicorn's Arbiter, unicorn's HttpServer). One reader takes every
/// input from one queue: signals, worker messages, worker exits and deadlines. After each event it
/// kills lazy and overdue workers and brings the pool to its target.
/// </summary>
internal sealed partial class Arbiter
{
    private readonly Channel<ArbiterEvent> _events =
        Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });

    private readonly List<WorkerHandle> _workers = [];
    private readonly IMasterHooks _hooks;
    private readonly IWorkerLauncher _launcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private ServerConfig _config;
    private int _lastAge;
    private StopRequest? _stop;
    private DateTimeOffset? _nextPulse;

    public Arbiter(ServerConfig config, IMasterHooks hooks, IWorkerLauncher launcher, TimeProvider time, ILogger<Arbiter> logger)
    {
        _hooks = hooks;
        _launcher = launcher;
        _time = time;
        _logger = logger;
        _config = config;
        _goodConfig = config;
        TargetWorkers = config.Get(Settings.Workers);
        Metrics.ProxyProtocol = () => _config.Get(Settings.ProxyProtocol) != "off";
        Metrics.StrictHttp = () => _config.Get(Settings.HttpGrammar) == "strict";
    }

    /// <summary>The workers alive now, oldest first.</summary>
    public IReadOnlyList<WorkerHandle> Workers => _workers;

    /// <summary>How many workers the pool should have.</summary>
    public int TargetWorkers { get; private set; }

    /// <summary>The generation new workers are spawned in: 1 at start, one more for each accepted reload.</summary>
    public int Generation { get; private set; } = 1;

    /// <summary>What became of the last reload asked for (HUP, <c>ctl reload</c>, --reload), or null before the first.</summary>
    public ReloadOutcome? LastReload { get; private set; }

    /// <summary>The pool's metrics, kept by this loop.</summary>
    public PoolMetrics Metrics { get; } = new();

    /// <summary>Requests served by workers that have exited, so that totals survive reloads and recycling.</summary>
    public long ServedByGone { get; private set; }

    /// <summary>Why the master stopped, when it was not asked to (e.g. "App failed to load.").</summary>
    public string? StopReason => _stop?.Reason;

    /// <summary>Queues an event. Safe from any thread, including signal handlers.</summary>
    public void Post(ArbiterEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Runs <paramref name="action"/> inside the loop (where the pool may be read) and returns its result; within 10 s.</summary>
    public Task<T> InLoop<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new LoopAction(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Queues a received signal.</summary>
    public void OnSignal(Signal signal) => Post(new SignalReceived(signal));

    /// <summary>Runs until the master stops; returns the master's exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        PulseIfDue();
        MaintainWorkerCount();
        ReportStatus();
        while (_stop is null || _workers.Count > 0)
        {
            var next = await NextEventAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Handle(next);
                PulseIfDue();
                MurderLazyWorkers();
                MaintainWorkerCount();
                ReportStatus();
                _hooks.PoolChanged(_workers);
            }
            catch (Exception e)
            {
                LogLoopError(e);
            }
        }

        return _stop.ExitCode;
    }

    private void Handle(ArbiterEvent e)
    {
        switch (e)
        {
            case SignalReceived s:
                HandleSignal(s.Signal);
                break;
            case WorkerMessage m:
                HandleMessage(m.Worker, m.Message);
                break;
            case WorkerExited x:
                HandleExit(x.Worker, x.ExitCode);
                break;
            case LoopAction a:
                a.Action();
                break;
        }
    }

    private void HandleMessage(WorkerHandle worker, ControlMessage message)
    {
        worker.LastSeen = _time.GetUtcNow();
        switch (message)
        {
            case Ready r when worker.State == WorkerState.Booting:
                HandleReady(worker, r.RssKb);
                break;
            case Heartbeat h:
                worker.Served = h.Served;
                worker.InFlight = h.InFlight;
                worker.OldestInFlight = TimeSpan.FromMilliseconds(h.OldestInFlightMs);
                worker.RssKb = h.RssKb;
                Metrics.Served(worker, h.Served);
                if (worker.State == WorkerState.Ready && !worker.ToReplace)
                {
                    CheckRecycling(worker);
                }

                break;
            case MetricsReport m:
                Metrics.Add(worker, m);
                break;
            case Exiting x:
                LogWorkerLeaving(worker.Pid, x.Reason);
                break;
            case Failed f:
                worker.Failure = f.Message;
                break;
        }
    }

    /// <summary>
    /// At each heartbeat of a serving worker: replaced (its successor first) after max-requests, a hung
    /// request, too much memory, or its lifetime.
    /// </summary>
    private void CheckRecycling(WorkerHandle worker)
    {
        if (worker.ServedLimit > 0 && worker.Served >= worker.ServedLimit)
        {
            Replace(worker, "max_requests");
            LogMaxRequests(worker.Pid, worker.Served);
        }
        else if (_config.Get(Settings.RequestTimeout) > 0 && worker.OldestInFlight >= _config.Seconds(Settings.RequestTimeout))
        {
            // A hung request: the request has the graceful timeout left to finish before the worker is killed.
            Replace(worker, "request_timeout");
            LogRequestTimeout(worker.Pid, worker.OldestInFlight.TotalSeconds, _config.Get(Settings.RequestTimeout));
        }
        else if (_config.Get(Settings.MaxWorkerMemory) is > 0 and var limit && worker.RssKb > limit * 1024L && !worker.OverMemoryAtBoot)
        {
            if (!worker.MemoryLooked)
            {
                // A worker whose ready message did not say its size: its first heartbeat stands for it.
                // Its successor would boot as big: replacing it would loop.
                worker.OverMemoryAtBoot = true;
                LogOverMemoryAtBoot(worker.Pid, worker.RssKb / 1024, limit);
            }
            else
            {
                Replace(worker, "memory");
                LogMaxMemory(worker.Pid, worker.Slot, worker.RssKb / 1024, limit);
            }
        }
        else if (worker.RetireAt is { } retireAt && _time.GetUtcNow() >= retireAt)
        {
            Replace(worker, "lifetime");
            LogMaxLifetime(worker.Pid, worker.Slot, (_time.GetUtcNow() - worker.SpawnedAt).TotalSeconds);
        }

        worker.MemoryLooked = true;
    }

    /// <summary>Marks a serving worker for replacement: the pool spawns a successor and retires it only once that one is ready.</summary>
    private static void Replace(WorkerHandle worker, string reason)
    {
        worker.ToReplace = true;
        worker.ReplaceReason = reason;
    }

    private void HandleReady(WorkerHandle worker, long rssKb)
    {
        worker.State = WorkerState.Ready;
        worker.WasReady = true;
        if (rssKb > 0)
        {
            // Its size at boot, said before it served: what its successors would boot as.
            worker.RssKb = rssKb;
            worker.MemoryLooked = true;
            if (_config.Get(Settings.MaxWorkerMemory) is > 0 and var limit && rssKb > limit * 1024L)
            {
                worker.OverMemoryAtBoot = true;
                LogOverMemoryAtBoot(worker.Pid, rssKb / 1024, limit);
            }
        }
        LogWorkerReady(worker.Pid, worker.Generation, (worker.LastSeen - worker.SpawnedAt).TotalMilliseconds);
        Metrics.Booted((worker.LastSeen - worker.SpawnedAt).TotalSeconds);
        if (worker.Generation == Generation && _lastGoodGeneration != Generation)
        {
            // The new code boots: from now on this generation is the one to fall back on.
            _lastGoodGeneration = Generation;
            _goodConfig = _config;
        }

        if (!_workers.Any(w => w.State == WorkerState.Booting))
        {
            TidyMemory();
        }
    }

    /// <summary>
    /// Once the pool has settled after spawning: the garbage of the spawns collected (a forced,
    /// compacting collection) and the C allocator's free pages given back. The master allocates
    /// little between spawns, and the runtime's first-generation budget here is tens of megabytes, so
    /// its resident memory crept up with every reload until the first collection came; and each
    /// spawn's reader thread allocates natively, in arenas whose freed pages stayed resident (53 to
    /// 94 MB in a 10-minute soak, still rising; 54 to 60 MB with this). Both take a few milliseconds
    /// of the master's, once per reload or replaced worker.
    /// </summary>
    private static void TidyMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Posix.NativeMemory.Trim();
    }

    private void HandleExit(WorkerHandle worker, int exitCode)
    {
        ServedByGone += worker.Served;
        _workers.Remove(worker);
        worker.Release();
        LogExit(worker, exitCode);
        Metrics.Exited(worker, RestartReason(worker, exitCode));
        if (_workers.All(w => w.Generation != worker.Generation) && worker.Generation != Generation
            && worker.Generation != _lastGoodGeneration)
        {
            _hooks.GenerationRetired(worker.Generation);
        }

        if (worker.State == WorkerState.Stopping || _stop is not null)
        {
            return;
        }

        if (!worker.WasReady)
        {
            HandleBootFailure(worker, exitCode);
            return;
        }

        // A worker that was serving and got SIGKILL from outside (an operator, the OOM killer) did
        // not crash: its replacement comes at once, however recently it was spawned.
        if (exitCode != ExitCodes.KilledBySigkill)
        {
            CountCrash(worker);
        }
    }

    /// <summary>Why a worker that left was restarted, for the metrics; null for one retired by a reload, TTOU or a stop.</summary>
    private string? RestartReason(WorkerHandle worker, int exitCode) =>
        worker.ExitReason
        ?? (worker.ReplaceReason is { } reason and not "reload" ? reason
        : worker.State == WorkerState.Stopping || _stop is not null ? null
        : exitCode == ExitCodes.KilledBySigkill && worker.SignalSent != Signal.Kill ? "kill"
        : "crash");

    private void LogExit(WorkerHandle worker, int exitCode)
    {
        var expected = worker.State == WorkerState.Stopping;
        if (exitCode > 128 && exitCode < 128 + 65)
        {
            var signal = exitCode - 128;
            if (signal == 9 && worker.SignalSent != Signal.Kill)
            {
                LogWorkerSigkill(worker.Pid);
            }
            else if (!expected)
            {
                // A worker the master stopped (a rollback's, a retired one killed at the graceful
                // timeout) died of what it was sent: no error.
                LogWorkerSignalled(worker.Pid, signal);
            }
        }
        else if (exitCode != ExitCodes.Ok)
        {
            LogWorkerExitCode(worker.Pid, exitCode);
        }
        else if (!expected)
        {
            LogWorkerExitedUnasked(worker.Pid);
        }
    }

    /// <summary>Takes the next event, or a <see cref="Tick"/> when the next deadline comes first.</summary>
    private async ValueTask<ArbiterEvent> NextEventAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_events.Reader.TryRead(out var e))
            {
                return e;
            }

            var deadline = NextDeadline();
            if (deadline is null)
            {
                await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var delay = deadline.Value - _time.GetUtcNow();
            if (delay <= TimeSpan.Zero)
            {
                return new Tick();
            }

            using var timeout = new CancellationTokenSource(delay, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _events.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new Tick();
            }
        }
    }

    private void ReportStatus()
    {
        var status = new ArbiterStatus(
            Generation,
            _workers.Count(w => w.State == WorkerState.Ready),
            _workers.Count(w => w.State == WorkerState.Booting),
            _workers.Count(w => w.State == WorkerState.Stopping),
            TargetWorkers,
            _reloading,
            _stop is not null);
        if (status != _lastStatus)
        {
            _lastStatus = status;
            _hooks.StatusChanged(status);
        }
    }

    private void PulseIfDue()
    {
        if (_hooks.PulseInterval is not { } interval)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_nextPulse is null || now >= _nextPulse)
        {
            _hooks.Pulse();
            _nextPulse = now + interval;
        }
    }

    private sealed record StopRequest(bool Graceful, int ExitCode, string? Reason);
}
