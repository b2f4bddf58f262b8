using Gunicornet.Config;
using Gunicornet.Master;

namespace Gunicornet.Tests.Support;

/// <summary>The master's side of an arbiter under test: counts what the arbiter asked for.</summary>
internal sealed class RecordingHooks : IMasterHooks
{
    private int _stops;
    private int _reopens;
    private int _pulses;
    private int _readied;
    private int _lastReady;

    /// <summary>What HUP does; by default the workers restart on the current configuration.</summary>
    public Func<int, ServerConfig, ReloadResult> OnReload { get; init; } = (_, current) => ReloadResult.Ok(current);

    /// <summary>What a stop does after the workers were told (the master closes its listeners).</summary>
    public Action OnStopping { get; init; } = () => { };

    /// <summary>The pulse interval the arbiter is given.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The generations HUP asked for, in order.</summary>
    public List<int> Reloads { get; } = [];

    /// <summary>The generations retired, in order.</summary>
    public List<int> Retired { get; } = [];

    /// <summary>Every status reported, in order.</summary>
    public List<ArbiterStatus> Statuses { get; } = [];

    /// <summary>How many stops began.</summary>
    public int Stops => Volatile.Read(ref _stops);

    /// <summary>How many times the logs were reopened.</summary>
    public int Reopens => Volatile.Read(ref _reopens);

    /// <summary>How many times a worker became ready, as the status reports say (for systemd).</summary>
    public int Readied => Volatile.Read(ref _readied);

    /// <summary>How many pulses.</summary>
    public int Pulses => Volatile.Read(ref _pulses);

    /// <summary>A configuration of the defaults with <paramref name="workers"/> workers.</summary>
    public static ServerConfig Config(int workers) => ServerConfig.Defaults("app.dll").With(Settings.Workers, workers);

    TimeSpan? IMasterHooks.PulseInterval => Interval;

    ReloadResult IMasterHooks.Reload(int generation, ServerConfig current)
    {
        Reloads.Add(generation);
        return OnReload(generation, current);
    }

    void IMasterHooks.Stopping()
    {
        Interlocked.Increment(ref _stops);
        OnStopping();
    }

    void IMasterHooks.GenerationRetired(int generation) => Retired.Add(generation);

    void IMasterHooks.StatusChanged(ArbiterStatus status)
    {
        lock (Statuses)
        {
            Statuses.Add(status);
        }

        Interlocked.Add(ref _readied, Math.Max(0, status.Ready - _lastReady));
        _lastReady = status.Ready;
    }

    void IMasterHooks.ReopenLogs() => Interlocked.Increment(ref _reopens);

    void IMasterHooks.Pulse() => Interlocked.Increment(ref _pulses);
}
