using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Gunicornet.Worker;

/// <summary>
/// Catches the host an unmodified app builds in its own <c>Main</c>, as WebApplicationFactory does:
/// the hosting library announces "HostBuilding" and "HostBuilt" on a DiagnosticListener. The first
/// host built is the app's; Gunicornet adds its services to it and takes hold of it once built.
/// </summary>
internal sealed class HostInterceptor : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string ListenerName = "Microsoft.Extensions.Hosting";
    private readonly Action<IHostBuilder> _onBuilding;
    private readonly Action<IHost> _onBuilt;
    private readonly IDisposable _allListeners;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _lock = new();
    private bool _building;
    private bool _built;

    public HostInterceptor(Action<IHostBuilder> onBuilding, Action<IHost> onBuilt)
    {
        _onBuilding = onBuilding;
        _onBuilt = onBuilt;
        _allListeners = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>True once the app's host was built.</summary>
    public bool HostBuilt => _built;

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == ListenerName)
        {
            lock (_lock)
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> e)
    {
        switch (e.Key)
        {
            case "HostBuilding" when e.Value is IHostBuilder builder && !_building:
                _building = true;
                _onBuilding(builder);
                break;
            case "HostBuilt" when e.Value is IHost host && !_built:
                _built = true;
                _onBuilt(host);
                break;
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _allListeners.Dispose();
        lock (_lock)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
