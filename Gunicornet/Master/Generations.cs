using Gunicornet.Config;
using Gunicornet.Worker;

namespace Gunicornet.Master;

/// <summary>What a worker of each generation runs: its snapshot of the app and its settings.</summary>
internal sealed class Generations(AppSnapshots snapshots, IReadOnlyList<Listener> listeners, string? errorLog, Balance.BalanceSlots balance)
{
    private readonly Dictionary<int, WorkerSpec> _specs = [];

    /// <summary>Takes a snapshot of the app for <paramref name="generation"/> and records its spec.</summary>
    /// <exception cref="IOException">The app could not be copied.</exception>
    public void Prepare(int generation, ServerConfig config, AppSpec app)
    {
        var snapshot = snapshots.Take(app.AssemblyPath, generation);
        _specs[generation] = new WorkerSpec
        {
            AppPath = snapshot,
            TypeName = app.TypeName,
            ContentRoot = config.Chdir is null ? Path.GetDirectoryName(app.AssemblyPath)! : Directory.GetCurrentDirectory(),
            ListenFds = listeners.Select(l => l.Fd).ToArray(),
            ControlReadFd = -1,
            ControlWriteFd = -1,
            Backlog = config.Backlog,
            GracefulTimeoutSeconds = config.GracefulTimeout.TotalSeconds,
            KeepAliveSeconds = config.KeepAlive.TotalSeconds,
            LogLevel = Settings.LogLevels.FirstOrDefault(n => CommandLine.ParseLogLevel(n) == config.LogLevel) ?? "info",
            ErrorLog = errorLog,
            AccessLog = config.AccessLog is null or "-" ? config.AccessLog : Path.GetFullPath(config.AccessLog),
            AccessLogFormat = config.AccessLogFormat,
            Generation = generation,
            BalanceFile = balance.Path,
        };
    }

    /// <summary>The spec of a worker of the given age and generation.</summary>
    public WorkerSpec SpecFor(int age, int generation) => _specs[generation] with { Age = age, BalanceSlot = balance.SlotFor(age) };

    /// <summary>Forgets a generation no worker runs any more, and deletes its snapshot.</summary>
    public void Drop(int generation)
    {
        _specs.Remove(generation);
        snapshots.Drop(generation);
    }
}
