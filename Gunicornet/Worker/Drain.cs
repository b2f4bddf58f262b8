using Microsoft.AspNetCore.Connections;

namespace Gunicornet.Worker;

/// <summary>
/// A worker's graceful drain (DESIGN §7). Kestrel's own stop closes idle keep-alive connections at
/// once, racing clients that are sending their next request on them; so a draining worker instead
/// stops accepting (the other workers and the next generation still do), answers the next request
/// on each open connection with <c>Connection: close</c>, and lets a connection that stays idle close
/// at the keep-alive timeout. Kestrel's stop comes after that, with nothing left to race.
/// </summary>
internal sealed class Drain
{
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly Lock _lock = new();
    private int _connections;
    private TaskCompletionSource? _idle;

    /// <summary>Cancelled when the worker stops accepting.</summary>
    public CancellationToken StopAccepting => _stopAccepting.Token;

    /// <summary>True once the drain has begun.</summary>
    public bool Draining => _stopAccepting.IsCancellationRequested;

    /// <summary>Connections open now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Stops accepting; from now on every response closes its connection.</summary>
    public void Begin() => _stopAccepting.Cancel();

    /// <summary>Completes when no connection is open, or when <paramref name="timeout"/> passed.</summary>
    public async Task WaitForConnectionsAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_lock)
        {
            if (_connections == 0)
            {
                return;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }

        await Task.WhenAny(idle, Task.Delay(timeout)).ConfigureAwait(false);
    }

    /// <summary>Connection middleware that counts open connections.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        lock (_lock)
        {
            _connections++;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (--_connections == 0)
                {
                    _idle?.TrySetResult();
                }
            }
        }
    };
}
