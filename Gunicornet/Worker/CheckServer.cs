using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>
/// The server of a worker that only checks the app (<c>--check-config</c>): it takes the app's request
/// pipeline, built as for serving, and listens nowhere.
/// </summary>
internal sealed class CheckServer : IServer
{
    /// <inheritdoc />
    public IFeatureCollection Features { get; } = CreateFeatures();

    /// <inheritdoc />
    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static FeatureCollection CreateFeatures()
    {
        var features = new FeatureCollection();
        features.Set<IServerAddressesFeature>(new ServerAddressesFeature());
        return features;
    }
}
