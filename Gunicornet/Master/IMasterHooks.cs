using Gunicornet.Config;

namespace Gunicornet.Master;

/// <summary>
/// What the arbiter asks of the master, outside the worker pool. Each hook does nothing by default, so
/// that a test implements only those it watches.
/// </summary>
internal interface IMasterHooks
{
    /// <summary>How often to call <see cref="Pulse"/> (systemd's watchdog), or null for never.</summary>
    TimeSpan? PulseInterval => null;

    /// <summary>
    /// HUP, with the number of the new generation: re-reads the configuration and prepares the app for
    /// that generation (a fresh snapshot). By default the workers restart on <paramref name="current"/>.
    /// </summary>
    ReloadResult Reload(int generation, ServerConfig current) => ReloadResult.Ok(current);

    /// <summary>A stop began, and the workers were told: closes the listeners.</summary>
    void Stopping()
    {
    }

    /// <summary>No worker of <paramref name="generation"/> is left, and it will not be spawned again.</summary>
    void GenerationRetired(int generation)
    {
    }

    /// <summary>The pool changed (for systemd's STATUS).</summary>
    void StatusChanged(ArbiterStatus status)
    {
    }

    /// <summary>USR1, before the signal goes on to the workers: reopens the master's log files.</summary>
    void ReopenLogs()
    {
    }

    /// <summary>After every turn of the loop, with the workers alive (keeps the balance board current).</summary>
    void PoolChanged(IReadOnlyList<WorkerHandle> workers)
    {
    }

    /// <summary>USR2: starts a new master on the same sockets (binary upgrade).</summary>
    void Upgrade()
    {
    }

    /// <summary>Every <see cref="PulseInterval"/>, from the loop: proof that it turns.</summary>
    void Pulse()
    {
    }
}
