using Gunicornet.Ipc;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>Where a worker is in its life, as the master sees it.</summary>
internal enum WorkerState
{
    /// <summary>Spawned, not yet ready.</summary>
    Booting,

    /// <summary>Serving requests.</summary>
    Ready,

    /// <summary>Told to stop; draining.</summary>
    Stopping,
}

/// <summary>
/// The master's view of one worker (puma's WorkerHandle): its process, state and last counters.
/// What runs inside the worker is <c>Worker.WorkerHost</c>, a different type in another process.
/// </summary>
internal sealed class WorkerHandle : IWorkerObserver
{
    private readonly Action<ArbiterEvent> _post;
    private IWorkerProcess? _process;

    public WorkerHandle(int age, int generation, DateTimeOffset spawnedAt, Action<ArbiterEvent> post)
    {
        Age = age;
        Generation = generation;
        SpawnedAt = spawnedAt;
        LastSeen = spawnedAt;
        _post = post;
    }

    /// <summary>1 for the first worker the master spawned, then 2, 3...: the oldest has the lowest.</summary>
    public int Age { get; }

    /// <summary>The generation it belongs to: 1 at start, one more for each reload.</summary>
    public int Generation { get; }

    /// <summary>True when it is to be retired as soon as a successor is ready (reload, max requests).</summary>
    public bool ToReplace { get; set; }

    /// <summary>The number of requests after which it is replaced; 0 for never.</summary>
    public long ServedLimit { get; init; }

    /// <summary>When the worker is to be replaced for its age (<c>--max-worker-lifetime</c>), or null.</summary>
    public DateTimeOffset? RetireAt { get; init; }

    /// <summary>Its place in the pool, 1..workers: the lowest free at its spawn, so that a replacement takes its predecessor's.</summary>
    public int Slot { get; init; }

    /// <summary>Why it is to be replaced (reload, max_requests, request_timeout, memory, lifetime), once <see cref="ToReplace"/>.</summary>
    public string? ReplaceReason { get; set; }

    /// <summary>Why the master ended it (timeout, kill), when it did so outside a drain.</summary>
    public string? ExitReason { get; set; }

    /// <summary>Its requests already counted into its slot's metrics.</summary>
    public long ServedCounted { get; set; }

    /// <summary>Its resident memory at its last heartbeat, in kilobytes.</summary>
    public long RssKb { get; set; }

    /// <summary>True once its size at boot is known: from its ready message, or else its first heartbeat after it.</summary>
    public bool MemoryLooked { get; set; }

    /// <summary>True for a worker over the memory limit already at boot: kept, since its successor would be too.</summary>
    public bool OverMemoryAtBoot { get; set; }

    /// <summary>True when it was killed for not becoming ready in time.</summary>
    public bool BootTimedOut { get; set; }

    /// <summary>The process ID, once launched.</summary>
    public int Pid => _process?.Pid ?? 0;

    /// <summary>When the master spawned it.</summary>
    public DateTimeOffset SpawnedAt { get; }

    /// <summary>Its state.</summary>
    public WorkerState State { get; set; } = WorkerState.Booting;

    /// <summary>True once it has reported ready, even if it is stopping now.</summary>
    public bool WasReady { get; set; }

    /// <summary>When the master last heard from it.</summary>
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>When it was told to stop, if it was.</summary>
    public DateTimeOffset? StopRequestedAt { get; set; }

    /// <summary>The signal it was last sent, to tell an expected death from an unexpected one.</summary>
    public Signal? SignalSent { get; private set; }

    /// <summary>The error it reported when it could not load or start the app, if it did.</summary>
    public string? Failure { get; set; }

    /// <summary>Requests served, from the last heartbeat.</summary>
    public long Served { get; set; }

    /// <summary>Requests in flight, from the last heartbeat.</summary>
    public int InFlight { get; set; }

    /// <summary>How long its oldest request in flight had been running, from the last heartbeat.</summary>
    public TimeSpan OldestInFlight { get; set; }

    /// <summary>Binds the handle to its started process.</summary>
    public void Attach(IWorkerProcess process) => _process = process;

    /// <summary>Sends a signal to the worker; false when it is already gone.</summary>
    public bool Signal(Signal signal)
    {
        SignalSent = signal;
        return _process?.Signal(signal) ?? false;
    }

    /// <summary>Tells the worker why the TERM that follows: <c>r</c>, a restart; <c>s</c>, the master stops.</summary>
    public bool Tell(char why) => _process?.Tell((byte)why) ?? false;

    /// <summary>Releases the process object after the worker exited.</summary>
    public void Release() => _process?.Dispose();

    /// <inheritdoc />
    public void OnMessage(ControlMessage message) => _post(new WorkerMessage(this, message));

    /// <inheritdoc />
    public void OnExit(int exitCode) => _post(new WorkerExited(this, exitCode));

    /// <inheritdoc />
    public override string ToString() => $"worker {Pid} (age {Age}, generation {Generation}, {State})";
}
