using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Gunicornet.Worker;

/// <summary>
/// The worker's accept gate, around Kestrel's transport. A draining worker stops accepting without
/// closing anything: the pending accept is cancelled and the listener reports itself done (the
/// listening socket is shared with the master and the other workers, so it must not be shut down).
/// A worker over its share of connections defers its next accept, so the pool stays balanced.
/// </summary>
internal sealed class DrainingListenerFactory(IConnectionListenerFactory inner, Drain drain)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <inheritdoc />
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), drain);

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    private sealed class Listener(IConnectionListener inner, Drain drain) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (drain.Draining)
            {
                return null;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, drain.StopAccepting);
            try
            {
                await drain.DeferWhileOverShareAsync(linked.Token).ConfigureAwait(false);

                // A connection the kernel handed over before the cancellation is returned and served;
                // one still in the backlog stays there for another worker.
                var connection = await inner.AcceptAsync(linked.Token).ConfigureAwait(false);
                if (connection is not null)
                {
                    drain.Accepted();
                }

                return connection;
            }
            catch (OperationCanceledException) when (drain.Draining && !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
