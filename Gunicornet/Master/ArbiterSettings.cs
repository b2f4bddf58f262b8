namespace Gunicornet.Master;

/// <summary>The settings the arbiter acts on; a reload (HUP) may replace them.</summary>
internal sealed record ArbiterSettings
{
    /// <summary>How many workers to keep.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>How long a stopping worker may drain before it is killed.</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A ready worker silent this long is killed (<c>WORKER TIMEOUT</c>); zero turns it off.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A worker with a request in flight this long is replaced (its successor first); zero turns it off.</summary>
    public TimeSpan RequestTimeout { get; init; }

    /// <summary>A worker not ready this long after its spawn is killed; zero turns it off.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A worker is replaced after this many requests; zero turns it off.</summary>
    public long MaxRequests { get; init; }

    /// <summary>A random 0..N added to <see cref="MaxRequests"/> per worker, so workers do not all restart at once.</summary>
    public long MaxRequestsJitter { get; init; }
}

/// <summary>What a reload produced: new settings for a new generation, or why it was refused.</summary>
internal sealed record ReloadResult(ArbiterSettings? Settings, string? Error)
{
    /// <summary>The reload can go ahead with <paramref name="settings"/>.</summary>
    public static ReloadResult Ok(ArbiterSettings settings) => new(settings, null);

    /// <summary>The reload is refused; the running generation keeps serving.</summary>
    public static ReloadResult Refused(string error) => new(null, error);
}

/// <summary>The master's hooks into the arbiter: what it does outside the worker pool.</summary>
internal sealed record ArbiterOptions
{
    /// <summary>The settings at start.</summary>
    public ArbiterSettings Settings { get; init; } = new();

    /// <summary>Called once when a stop begins, after the workers were told: closes the listeners.</summary>
    public Action? OnStopping { get; init; }

    /// <summary>
    /// Called on HUP with the number of the new generation: re-reads the configuration and prepares the
    /// app for that generation (a fresh snapshot). Without it, HUP restarts the workers on the same settings.
    /// </summary>
    public Func<int, ReloadResult>? Reload { get; init; }

    /// <summary>Called when no worker of a generation is left and it will not be spawned again.</summary>
    public Action<int>? GenerationRetired { get; init; }

    /// <summary>Called with a status line whenever the pool changes (for systemd's STATUS).</summary>
    public Action<ArbiterStatus>? StatusChanged { get; init; }

    /// <summary>Called on USR1, before the signal is forwarded to the workers: reopens the master's log files.</summary>
    public Action? ReopenLogs { get; init; }

    /// <summary>Called after every turn of the loop with the workers alive (keeps the balance board current).</summary>
    public Action<IReadOnlyList<WorkerHandle>>? PoolChanged { get; init; }

    /// <summary>Called on USR2: starts a new master on the same sockets (binary upgrade).</summary>
    public Action? Upgrade { get; init; }

    /// <summary>Called from the loop every <see cref="PulseInterval"/> (systemd's watchdog): proof the loop turns.</summary>
    public Action? Pulse { get; init; }

    /// <summary>How often to call <see cref="Pulse"/>.</summary>
    public TimeSpan? PulseInterval { get; init; }
}

/// <summary>What the pool looks like, for status reports.</summary>
internal sealed record ArbiterStatus(int Generation, int Ready, int Booting, int Draining, int Target, bool Reloading, bool ShuttingDown);
