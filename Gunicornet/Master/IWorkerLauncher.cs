using Gunicornet.Ipc;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>Starts worker processes. The arbiter's only way to make one, so tests can fake it.</summary>
internal interface IWorkerLauncher
{
    /// <summary>Starts a worker of the given age and generation; its messages and exit go to <paramref name="observer"/>.</summary>
    IWorkerProcess Launch(int age, int generation, IWorkerObserver observer);
}

/// <summary>A started worker process, as the launcher sees it.</summary>
internal interface IWorkerProcess : IDisposable
{
    /// <summary>The process ID.</summary>
    int Pid { get; }

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    bool Signal(Signal signal);

    /// <summary>Writes one byte to the worker's pipe from the master (why a TERM follows: r or s); false when it cannot.</summary>
    bool Tell(byte what) => false;
}

/// <summary>Receives what a worker says and when it exits. Called from any thread.</summary>
internal interface IWorkerObserver
{
    /// <summary>A control message arrived.</summary>
    void OnMessage(ControlMessage message);

    /// <summary>The process exited; signals show as 128 + the signal number, as in a shell.</summary>
    void OnExit(int exitCode);
}
