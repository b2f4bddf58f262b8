using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Worker;

/// <summary>
/// Kestrel, minus the addresses the app asked for itself (<c>app.Run(url)</c>, <c>UseUrls</c>,
/// <c>ASPNETCORE_URLS</c>, a <c>urls</c> setting): a worker serves on the master's sockets only. Kestrel
/// would ignore them too, saying only "Overriding address(es)", which does not say where it serves;
/// the worker says so in its own words instead, and Kestrel has nothing to override.
/// </summary>
internal sealed partial class AddressIgnoringServer(IServer inner, ILogger log) : IServer
{
    /// <inheritdoc />
    public IFeatureCollection Features => inner.Features;

    /// <inheritdoc />
    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        if (Features.Get<IServerAddressesFeature>() is { Addresses: { Count: > 0, IsReadOnly: false } addresses })
        {
            LogIgnoringAddresses(log, string.Join(", ", addresses));
            addresses.Clear();
        }

        return inner.StartAsync(application, cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    [LoggerMessage(EventId = EventIds.IgnoringAddresses, Level = LogLevel.Information, Message = "Ignoring the app's own addresses ({Addresses}); serving on the master's sockets")]
    private static partial void LogIgnoringAddresses(ILogger logger, string addresses);
}
