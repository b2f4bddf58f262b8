using Gunicornet.Config;

namespace Gunicornet.Master;

/// <summary>
/// The master's listening sockets across reloads. Each generation of workers serves the sockets of
/// the configuration it was started with: a HUP whose <c>bind</c> changed binds the new addresses for
/// the new generation and keeps the sockets of unchanged ones (the same descriptors, so no connection
/// waiting in their backlog is lost). A socket no generation serves any more (its address was
/// dropped) is closed once the last generation that served it has left. Sockets that came from
/// systemd or an old master (USR2) are the master's for its whole life: <c>bind</c> is not used then.
/// </summary>
internal sealed class ListenerSet : IDisposable
{
    private readonly Dictionary<string, Listener> _open = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, List<string>> _generations = [];
    private readonly List<Listener> _fixed;

    /// <param name="listeners">The sockets the master started with.</param>
    /// <param name="binds">The <c>bind</c> addresses they were bound for, in the same order; null when they came from systemd or an old master.</param>
    public ListenerSet(List<Listener> listeners, IReadOnlyList<string>? binds)
    {
        _fixed = binds is null ? listeners : [];
        if (binds is not null)
        {
            for (var i = 0; i < listeners.Count; i++)
            {
                _open[Key(binds[i])] = listeners[i];
            }
        }
    }

    /// <summary>True when the sockets follow <c>bind</c> (they were bound for it, not handed down).</summary>
    public bool FollowsBind => _fixed.Count == 0;

    /// <summary>The sockets of the newest generation (all of them before the first one is prepared).</summary>
    public IReadOnlyList<Listener> Current => _fixed.Count > 0 ? _fixed
        : _generations.Count > 0 ? [.. _generations.Last().Value.Select(k => _open[k])]
        : [.. _open.Values];

    /// <summary>
    /// The sockets <paramref name="generation"/> serves for <paramref name="config"/>: the open ones of
    /// its addresses, and newly bound ones for addresses not open yet (returned in
    /// <paramref name="opened"/>, to be announced).
    /// </summary>
    /// <exception cref="ListenerException">A new address cannot be bound; nothing new stays open.</exception>
    public IReadOnlyList<Listener> For(int generation, ServerConfig config, out List<Listener> opened)
    {
        opened = [];
        if (!FollowsBind)
        {
            return _fixed;
        }

        var keys = new List<string>();
        try
        {
            foreach (var bind in config.Get(Settings.Bind))
            {
                var key = Key(bind);
                if (!_open.ContainsKey(key))
                {
                    var listener = ListenerSource.Bind(bind, config);
                    _open[key] = listener;
                    opened.Add(listener);
                }
                else if (keys.Contains(key))
                {
                    continue;
                }

                keys.Add(key);
            }
        }
        catch
        {
            foreach (var listener in opened)
            {
                _open.Remove(_open.First(p => p.Value == listener).Key);
                listener.Dispose();
            }

            throw;
        }

        foreach (var key in keys)
        {
            // A backlog changed on HUP applies to the sockets kept too (listen(2) again).
            _open[key].Listen(config.Get(Settings.Backlog));
        }

        _generations[generation] = keys;
        return [.. keys.Select(k => _open[k])];
    }

    /// <summary>Forgets a generation that has left; closes and returns the sockets no generation serves any more.</summary>
    public List<Listener> Release(int generation)
    {
        if (!_generations.Remove(generation) || _generations.Count == 0)
        {
            return [];
        }

        var used = _generations.Values.SelectMany(k => k).ToHashSet(StringComparer.Ordinal);
        var closed = _open.Where(p => !used.Contains(p.Key)).ToList();
        foreach (var (key, listener) in closed)
        {
            _open.Remove(key);
            listener.Dispose();
        }

        return [.. closed.Select(p => p.Value)];
    }

    /// <summary>Every socket the master holds, in use or waiting for its last generation to leave.</summary>
    public IEnumerable<Listener> All => _fixed.Count > 0 ? _fixed : _open.Values;

    /// <summary>Closes every socket.</summary>
    public void Dispose()
    {
        foreach (var listener in All.ToList())
        {
            listener.Dispose();
        }

        _open.Clear();
        _fixed.Clear();
    }

    /// <summary>One address however it is spelt (<c>:8000</c> and <c>0.0.0.0:8000</c> are one).</summary>
    private static string Key(string bind) =>
        BindAddress.TryParse(bind, out var address, out _) ? address!.ToString() : bind;
}
