using System.Threading.Channels;
using Gunicornet.Ipc;
using Gunicornet.Posix;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>Settings the arbiter acts on.</summary>
internal sealed record ArbiterOptions
{
    /// <summary>How many workers to keep.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>How long a stopping worker may drain before it is killed.</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called once when a stop begins, before the workers are told: closes the listeners.</summary>
    public Action? OnStopping { get; init; }
}

/// <summary>
/// The master's supervision loop (gunicorn's Arbiter, unicorn's HttpServer). One reader takes every
/// input from one queue: signals, worker messages, worker exits and deadlines. After each event it
/// kills overdue workers and tops the pool up to its target.
/// </summary>
internal sealed partial class Arbiter
{
    private readonly Channel<ArbiterEvent> _events =
        Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });

    private readonly List<WorkerHandle> _workers = [];
    private readonly ArbiterOptions _options;
    private readonly IWorkerLauncher _launcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _lastAge;
    private StopRequest? _stop;

    public Arbiter(ArbiterOptions options, IWorkerLauncher launcher, TimeProvider time, ILogger<Arbiter> logger)
    {
        _options = options;
        _launcher = launcher;
        _time = time;
        _logger = logger;
        TargetWorkers = options.Workers;
    }

    /// <summary>The workers alive now, oldest first.</summary>
    public IReadOnlyList<WorkerHandle> Workers => _workers;

    /// <summary>How many workers the pool should have.</summary>
    public int TargetWorkers { get; private set; }

    /// <summary>Why the master stopped, when it was not asked to (e.g. "App failed to load.").</summary>
    public string? StopReason => _stop?.Reason;

    /// <summary>Queues an event. Safe from any thread, including signal handlers.</summary>
    public void Post(ArbiterEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Queues a received signal.</summary>
    public void OnSignal(Signal signal) => Post(new SignalReceived(signal));

    /// <summary>Runs until the master stops; returns the master's exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        MaintainWorkerCount();
        while (_stop is null || _workers.Count > 0)
        {
            var next = await NextEventAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Handle(next);
                MurderOverdueWorkers();
                MaintainWorkerCount();
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
        }
    }

    private void HandleSignal(Signal signal)
    {
        LogHandlingSignal(signal.Name());
        switch (signal)
        {
            case Signal.Term:
                Stop(graceful: true, ExitCodes.Ok, reason: null);
                break;
            case Signal.Int:
            case Signal.Quit:
                Stop(graceful: false, ExitCodes.Ok, reason: null);
                break;
            case Signal.Ttin:
                HandleTtin();
                break;
            case Signal.Ttou:
                HandleTtou();
                break;
            default:
                LogSignalNotSupported(signal.Name());
                break;
        }
    }

    private void HandleTtin()
    {
        TargetWorkers++;
        LogWorkerCount(TargetWorkers);
    }

    private void HandleTtou()
    {
        if (TargetWorkers <= 1)
        {
            LogWorkerCount(TargetWorkers);
            return;
        }

        TargetWorkers--;
        LogWorkerCount(TargetWorkers);
    }

    private void HandleMessage(WorkerHandle worker, ControlMessage message)
    {
        worker.LastSeen = _time.GetUtcNow();
        switch (message)
        {
            case Ready when worker.State == WorkerState.Booting:
                worker.State = WorkerState.Ready;
                worker.WasReady = true;
                LogWorkerReady(worker.Pid, (worker.LastSeen - worker.SpawnedAt).TotalMilliseconds);
                break;
            case Heartbeat h:
                worker.Served = h.Served;
                worker.InFlight = h.InFlight;
                break;
            case Exiting x:
                LogWorkerLeaving(worker.Pid, x.Reason);
                break;
        }
    }

    private void HandleExit(WorkerHandle worker, int exitCode)
    {
        _workers.Remove(worker);
        worker.Release();
        var expected = worker.State == WorkerState.Stopping;
        if (exitCode > 128 && exitCode < 128 + 65)
        {
            var signal = exitCode - 128;
            if (signal == 9 && worker.SignalSent != Signal.Kill)
            {
                LogWorkerSigkill(worker.Pid);
            }
            else if (!expected || signal != 9)
            {
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

        if (!worker.WasReady && _stop is null)
        {
            // As gunicorn: a worker that cannot load the app will not do better on a respawn.
            if (exitCode == ExitCodes.AppLoadError)
            {
                Stop(graceful: true, ExitCodes.AppLoadError, "App failed to load.");
            }
            else if (exitCode == ExitCodes.WorkerBootError)
            {
                Stop(graceful: true, ExitCodes.WorkerBootError, "Worker failed to boot.");
            }
        }
    }

    /// <summary>Spawns workers until the pool is at its target; retires the oldest when it is above.</summary>
    private void MaintainWorkerCount()
    {
        if (_stop is not null)
        {
            return;
        }

        var live = _workers.Where(w => w.State != WorkerState.Stopping).ToList();
        for (var i = live.Count; i < TargetWorkers && _stop is null; i++)
        {
            SpawnWorker();
        }

        foreach (var oldest in live.OrderBy(w => w.Age).Take(Math.Max(0, live.Count - TargetWorkers)))
        {
            Retire(oldest, Signal.Term);
        }
    }

    private void SpawnWorker()
    {
        var worker = new WorkerHandle(++_lastAge, _time.GetUtcNow(), Post);
        try
        {
            worker.Attach(_launcher.Launch(worker.Age, worker));
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

    private void Retire(WorkerHandle worker, Signal signal)
    {
        worker.State = WorkerState.Stopping;
        worker.StopRequestedAt ??= _time.GetUtcNow();
        try
        {
            worker.Signal(signal);
        }
        catch (InvalidOperationException e)
        {
            // Its deadline still stands: the worker is killed when the graceful timeout ends.
            LogSignalFailed(worker.Pid, e.Message);
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
                _workers.ForEach(w => w.Signal(Signal.Quit));
            }

            return;
        }

        _stop = new StopRequest(graceful, exitCode, reason);
        foreach (var worker in _workers)
        {
            Retire(worker, graceful ? Signal.Term : Signal.Quit);
        }

        // After the workers were told: a listener that fails to close must not leave them running.
        _options.OnStopping?.Invoke();
    }

    /// <summary>Kills every stopping worker whose drain outlived the graceful timeout.</summary>
    private void MurderOverdueWorkers()
    {
        var now = _time.GetUtcNow();
        foreach (var worker in _workers)
        {
            if (worker.StopRequestedAt is { } asked && worker.SignalSent != Signal.Kill
                && now >= asked + _options.GracefulTimeout)
            {
                LogKillingOverdue(worker.Pid);
                worker.Signal(Signal.Kill);
            }
        }
    }

    private DateTimeOffset? NextDeadline() => _workers
        .Where(w => w.StopRequestedAt is not null && w.SignalSent != Signal.Kill)
        .Select(w => (DateTimeOffset?)(w.StopRequestedAt!.Value + _options.GracefulTimeout))
        .Min();

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

    private sealed record StopRequest(bool Graceful, int ExitCode, string? Reason);
}
