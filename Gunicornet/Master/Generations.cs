using Gunicornet.Config;
using Gunicornet.Ipc;

namespace Gunicornet.Master;

/// <summary>What a worker of each generation runs: its snapshot of the app and its settings.</summary>
internal sealed class Generations(AppSnapshots snapshots, ListenerSet listeners, BalanceSlots balance)
{
    private readonly Dictionary<int, WorkerSpec> _specs = [];

    /// <summary>
    /// Takes a snapshot of the app for <paramref name="generation"/>, finds its sockets (binding the
    /// addresses new to it: <paramref name="opened"/>) and records its spec; returns the snapshot.
    /// </summary>
    /// <exception cref="IOException">The app could not be copied.</exception>
    /// <exception cref="ListenerException">A new address cannot be bound.</exception>
    public Snapshot Prepare(int generation, ServerConfig config, AppSpec app, out List<Listener> opened)
    {
        var taken = snapshots.Take(app.AssemblyPath, generation);
        IReadOnlyList<Listener> sockets;
        try
        {
            sockets = listeners.For(generation, config, out opened);
        }
        catch (ListenerException)
        {
            snapshots.Drop(generation);
            throw;
        }

        var snapshot = taken.AppPath;
        var (uid, gid, userName) = Posix.Accounts.Resolve(config.Get(Settings.User), config.Get(Settings.Group));

        // Workers running as --user read their snapshot and map the balance board.
        Posix.Accounts.Chown(snapshots.Root, uid, gid, recursive: false);
        Posix.Accounts.Chown(balance.Path, uid, gid);
        Posix.Accounts.Chown(Path.GetDirectoryName(snapshot)!, uid, gid);
        var keys = snapshots.KeysDirectory();
        Posix.Accounts.Chown(keys, uid, gid);
        _specs[generation] = ForApp(config, app, uid, gid, userName) with
        {
            AppPath = snapshot,
            ListenFds = sockets.Select(l => l.Fd).ToArray(),
            Generation = generation,
            BalanceFile = balance.Path,
            KeysDirectory = keys,
        };
        return taken;
    }

    /// <summary>
    /// What every worker of <paramref name="app"/> runs with, from the configuration: no sockets, no
    /// pipes and no logs yet (a generation adds them), the app's assembly where it is.
    /// </summary>
    public static WorkerSpec ForApp(ServerConfig config, AppSpec app, uint? uid, uint? gid, string? userName) => new()
    {
        Config = config.WithFullPaths(),
        AppPath = app.AssemblyPath,
        BaseDirectory = Path.GetDirectoryName(app.AssemblyPath)!,
        TypeName = app.TypeName,
        ContentRoot = config.Get(Settings.Chdir) is null ? Path.GetDirectoryName(app.AssemblyPath)! : Directory.GetCurrentDirectory(),
        ListenFds = [],
        ControlReadFd = -1,
        ControlWriteFd = -1,
        AppEnvironment = AppRuntimeConfig.Environment(app.AssemblyPath),
        Uid = uid,
        Gid = gid,
        UserName = userName,
    };

    /// <summary>The spec of a worker of the given age and generation.</summary>
    public WorkerSpec SpecFor(int age, int generation) => _specs[generation] with { Age = age, BalanceSlot = balance.SlotFor(age) };

    /// <summary>Forgets a generation no worker runs any more and deletes its snapshot; returns the sockets that closed with it (their addresses were dropped).</summary>
    public List<Listener> Drop(int generation)
    {
        _specs.Remove(generation);
        snapshots.Drop(generation);
        return listeners.Release(generation);
    }
}
