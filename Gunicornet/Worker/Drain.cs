using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Gunicornet.Worker;

/// <summary>
/// A worker's graceful drain (DESIGN §7). Kestrel's own stop closes idle keep-alive connections at
/// once, racing clients that are sending their next request on them; so a draining worker instead
/// stops accepting (the other workers and the next generation still do), answers the next request
/// on each open connection with <c>Connection: close</c>, and lets a connection that stays idle close
/// at the keep-alive timeout. Kestrel's stop comes after that, with nothing left to race. An HTTP/2
/// connection is told at once, with GOAWAY in two steps (<see cref="Http2GoAway"/>): no stream the
/// client sent is refused, and its open streams finish first.
/// </summary>
internal sealed class Drain(Balance.BalanceBoard? board = null, int slot = -1, TimeProvider? time = null)
{
    /// <summary>The longest a worker over its share defers an accept, so that a stuck peer costs little.</summary>
    private static readonly TimeSpan MaxDefer = TimeSpan.FromMilliseconds(20);

    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly Lock _lock = new();
    private int _connections;
    private TaskCompletionSource? _idle;
    private TaskCompletionSource? _closed;
    private readonly ConcurrentDictionary<Http2GoAway, byte> _http2 = new();

    /// <summary>Cancelled when the worker stops accepting.</summary>
    public CancellationToken StopAccepting => _stopAccepting.Token;

    /// <summary>True once the drain has begun.</summary>
    public bool Draining => _stopAccepting.IsCancellationRequested;

    /// <summary>Connections open now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Stops accepting; from now on every response closes its connection.</summary>
    public void Begin()
    {
        _stopAccepting.Cancel();
        foreach (var connection in _http2.Keys)
        {
            connection.Close();
        }
    }

    /// <summary>
    /// Connection middleware, after TLS and cleartext HTTP/2's detection, that knows the HTTP/2
    /// connections (negotiated h2, or every connection of a listener that speaks HTTP/2 only) so
    /// that <see cref="Begin"/> can send them GOAWAY.
    /// </summary>
    public ConnectionDelegate TrackHttp2(ConnectionDelegate next, bool everyConnection) => async connection =>
    {
        if (!everyConnection && connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) != true)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        Http2GoAway? relay = null;
        try
        {
            await Http2GoAway.RunAsync(connection, next, started =>
            {
                relay = started;
                _http2[started] = 0;
                if (Draining)
                {
                    started.Close();
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            if (relay is not null)
            {
                _http2.TryRemove(relay, out _);
            }
        }
    };

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

    /// <summary>
    /// Waits while this worker holds more than its fair share of the pool's connections (DESIGN §2),
    /// so that a less busy worker accepts the next one; at most <see cref="MaxDefer"/>. It looks again
    /// as soon as one of its own connections closes (what usually ends the excess), else every
    /// millisecond: a timer alone wakes too late under load, and with short connections both
    /// workers could sleep while connections queue in the backlog.
    /// </summary>
    public async ValueTask DeferWhileOverShareAsync(CancellationToken cancellationToken)
    {
        if (board is null || slot < 0)
        {
            return;
        }

        var clock = time ?? TimeProvider.System;
        var deadline = clock.GetUtcNow() + MaxDefer;
        while (board.IsOverShare(slot) && clock.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            Task closed;
            lock (_lock)
            {
                _closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                closed = _closed.Task;
            }

            await Task.WhenAny(closed, Task.Delay(1, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>A connection was accepted: counted at once, before Kestrel dispatches it, so the next accept sees it.</summary>
    public void Accepted()
    {
        lock (_lock)
        {
            _connections++;
            board?.SetConnections(slot, _connections);
        }
    }

    /// <summary>Connection middleware that uncounts a connection when Kestrel is done with it.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _connections--;
                board?.SetConnections(slot, _connections);
                if (_connections == 0)
                {
                    _idle?.TrySetResult();
                }

                // A deferred accept looks again.
                _closed?.TrySetResult();
                _closed = null;
            }
        }
    };
}
