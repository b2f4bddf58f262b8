using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gunicornet.Worker;

/// <summary>A worker's request counters, reported to the master in each heartbeat.</summary>
internal sealed class RequestStats
{
    private readonly ConcurrentDictionary<long, long> _started = new();
    private long _served;
    private long _nextTicket;

    /// <summary>Requests finished since the worker started.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Requests being handled now.</summary>
    public int InFlight => _started.Count;

    /// <summary>How long the oldest request in flight has been running, or zero when none is.</summary>
    public TimeSpan OldestInFlight
    {
        get
        {
            var oldest = long.MaxValue;
            foreach (var started in _started.Values)
            {
                oldest = Math.Min(oldest, started);
            }

            return oldest == long.MaxValue ? TimeSpan.Zero : Stopwatch.GetElapsedTime(oldest);
        }
    }

    /// <summary>A request started; pass the ticket to <see cref="End"/>.</summary>
    public long Begin()
    {
        var ticket = Interlocked.Increment(ref _nextTicket);
        _started[ticket] = Stopwatch.GetTimestamp();
        return ticket;
    }

    /// <summary>A request finished (counted now, unless it was when it became a WebSocket).</summary>
    public void End(long ticket)
    {
        if (_started.TryRemove(ticket, out _))
        {
            Interlocked.Increment(ref _served);
        }
    }

    /// <summary>
    /// A request became a WebSocket: served, once (so <c>--max-requests</c> recycles a worker that holds
    /// only WebSockets), and no longer in flight (a WebSocket open for hours is no hung request).
    /// </summary>
    public void Upgraded(long ticket) => End(ticket);
}
