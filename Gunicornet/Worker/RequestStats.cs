namespace Gunicornet.Worker;

/// <summary>A worker's request counters, reported to the master in each heartbeat.</summary>
internal sealed class RequestStats
{
    private long _served;
    private int _inFlight;

    /// <summary>Requests finished since the worker started.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Requests being handled now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A request started.</summary>
    public void Begin() => Interlocked.Increment(ref _inFlight);

    /// <summary>A request finished.</summary>
    public void End()
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _served);
    }
}
