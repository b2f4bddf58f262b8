using System.Collections.Concurrent;
using Gunicornet.Ipc;
using Gunicornet.Master;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>Launches pretend workers: the test makes them speak and exit.</summary>
internal sealed class FakeLauncher : IWorkerLauncher
{
    private int _nextPid = 1000;

    /// <summary>Every worker launched, in order.</summary>
    public ConcurrentQueue<FakeWorker> Launched { get; } = new();

    /// <summary>When set, the next launch throws this.</summary>
    public Exception? FailNext { get; set; }

    /// <inheritdoc />
    public IWorkerProcess Launch(int age, int generation, IWorkerObserver observer)
    {
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }

        var worker = new FakeWorker(Interlocked.Increment(ref _nextPid), age, generation, observer);
        Launched.Enqueue(worker);
        return worker;
    }
}

/// <summary>A pretend worker process.</summary>
internal sealed class FakeWorker(int pid, int age, int generation, IWorkerObserver observer) : IWorkerProcess
{
    /// <summary>Signals the arbiter sent, in order.</summary>
    public ConcurrentQueue<Signal> Signals { get; } = new();

    /// <summary>When set, <see cref="Signal"/> throws it (a bug in one event's handling).</summary>
    public Exception? SignalThrows { get; set; }

    /// <inheritdoc />
    public int Pid { get; } = pid;

    /// <summary>The age the arbiter gave it.</summary>
    public int Age { get; } = age;

    /// <summary>The generation it was launched in.</summary>
    public int Generation { get; } = generation;

    /// <summary>True once the arbiter released it after its exit.</summary>
    public bool Disposed { get; private set; }

    /// <inheritdoc />
    public bool Signal(Signal signal)
    {
        if (SignalThrows is { } e)
        {
            throw e;
        }

        Signals.Enqueue(signal);
        return true;
    }

    /// <summary>The worker reports ready.</summary>
    public void Ready(long rssKb = 0) => observer.OnMessage(new Ready(rssKb));

    /// <summary>The worker sends a heartbeat.</summary>
    public void Beat(long served, int inFlight = 0, long oldestInFlightMs = 0, long rssKb = 0) => observer.OnMessage(new Heartbeat(served, inFlight, oldestInFlightMs, rssKb));

    /// <summary>The worker exits with <paramref name="code"/>.</summary>
    public void Exit(int code) => observer.OnExit(code);

    /// <inheritdoc />
    public void Dispose() => Disposed = true;
}
