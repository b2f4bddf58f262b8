using System.Reflection;
using Gunicornet.Config;
using Gunicornet.Logging;
using Gunicornet.Posix;
using Gunicornet.Ipc;
using Gunicornet.Worker;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>
/// The master process from start to exit: <see cref="Start"/> binds and prepares the first generation,
/// <see cref="Serve"/> runs the arbiter until a stop, <see cref="Stop"/> cleans up. It is the arbiter's
/// <see cref="IMasterHooks"/>: what the arbiter asks of it outside the pool lands in the hooks below.
/// </summary>
internal sealed partial class MasterProcess : IMasterHooks, IDisposable
{
    /// <summary>The version printed at start and by <c>--version</c>.</summary>
    public static string Version { get; } =
        typeof(MasterProcess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private readonly ServerConfig _config;
    private readonly IReadOnlyList<string> _arguments;
    private readonly Func<(ServerConfig? Config, IReadOnlyList<string> Errors)> _reread;
    private readonly AppSpec _app;
    private readonly string? _errorLog;
    private readonly OriginalStderr? _terminal;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly SystemdNotifier _notifier;
    private readonly LogCounts _logCounts = new();
    private readonly StatusReporter _status;
    private PidFile? _pidFile;
    private List<Listener> _metricsListeners = [];
    private ListenerSet? _listeners;
    private AppSnapshots? _snapshots;
    private Balance.BalanceBoard? _board;
    private BalanceSlots? _balance;
    private Generations? _generations;
    private Arbiter? _arbiter;
    private BinaryUpgrade? _upgrade;

    private MasterProcess(ServerConfig config, IReadOnlyList<string> arguments, Func<(ServerConfig? Config, IReadOnlyList<string> Errors)> reread, AppSpec app, string? errorLog, OriginalStderr? terminal)
    {
        _config = config;
        _arguments = arguments;
        _reread = reread;
        _app = app;
        _errorLog = errorLog;
        _terminal = terminal;
        _loggers = ErrorLog.CreateFactory(config.Get(Settings.LogLevel), _logCounts);
        _logger = _loggers.CreateLogger("Gunicornet.Master");
        _notifier = SystemdNotifier.FromEnvironment();
        _status = new StatusReporter(_notifier);
    }

    /// <summary>Runs the master; returns its exit code.</summary>
    /// <param name="config">The configuration it starts with.</param>
    /// <param name="arguments">The command line, for a new master started by USR2.</param>
    /// <param name="reread">Reads the configuration again (HUP): the config, or the errors that refuse it.</param>
    public static int Run(ServerConfig config, IReadOnlyList<string> arguments, Func<(ServerConfig? Config, IReadOnlyList<string> Errors)> reread)
    {
        if (Daemon.IsDaemon)
        {
            Daemon.Detach();
        }

        var (master, exitCode) = Start(config, arguments, reread);
        if (master is null)
        {
            return exitCode;
        }

        using (master)
        {
            return master.Stop(master.Serve());
        }
    }

    /// <summary>
    /// Checks what must hold, opens the logs, binds and prepares the first generation; the master, or
    /// the exit code of a start that failed (said on the terminal and in the log).
    /// </summary>
    private static (MasterProcess? Master, int ExitCode) Start(ServerConfig config, IReadOnlyList<string> arguments, Func<(ServerConfig? Config, IReadOnlyList<string> Errors)> reread)
    {
        if (config.Get(Settings.Chdir) is { } chdir)
        {
            // As gunicorn: the master changes directory before it loads anything, so relative paths
            // (APP, pidfile, unix sockets, log files) are relative to it.
            Directory.SetCurrentDirectory(chdir);
        }

        var app = ResolveApp(config);
        if ((MissingApp(config, app) ?? Prerequisites(config)) is { } problem)
        {
            return (null, Fail(problem));
        }

        var errorLog = config.ErrorLogFile;
        OriginalStderr? terminal;
        try
        {
            terminal = OpenLogs(config, errorLog);
        }
        catch (IOException e)
        {
            return (null, Fail(e.Message));
        }

        ProcessName.Set(config.Get(Settings.ProcName));
        var master = new MasterProcess(config, arguments, reread, app, errorLog, terminal);
        try
        {
            master.Bind();
            master.PrepareFirstGeneration();
            return (master, ExitCodes.Ok);
        }
        catch (Exception e) when (e is ListenerException or InvalidOperationException or FormatException or IOException)
        {
            LogStartError(master._logger, e.Message);
            terminal?.Say($"gunicornet: error: {e.Message}\n");
            master.Dispose();
            return (null, ExitCodes.Error);
        }
    }

    /// <summary>
    /// Puts the error log file in place of stderr, keeping the terminal's stderr aside (returned; null
    /// when the log is stderr), and gives the log files to the workers' user.
    /// </summary>
    /// <exception cref="IOException">A log file cannot be opened.</exception>
    private static OriginalStderr? OpenLogs(ServerConfig config, string? errorLog)
    {
        OriginalStderr? terminal = null;
        if (errorLog is not null)
        {
            terminal = LogFile.KeepOriginalStderr();
            LogFile.RedirectStderr(errorLog);
        }

        GiveLogsToWorkers(config, errorLog);
        return terminal;
    }

    /// <summary>Writes the PID file and opens the listeners (bound here, from systemd, or from an old master).</summary>
    private void Bind()
    {
        LogStarting(_logger, Version);
        LogWarnings(_logger, _config);
        _pidFile = _config.Get(Settings.PidFile) is { } pidPath ? PidFile.Create(pidPath, Environment.ProcessId) : null;
        var opened = ListenerSource.Open(_config, out var origin);
        _metricsListeners = MetricsServer.Bind(_config.Get(Settings.MetricsBind));
        _listeners = new ListenerSet(opened, origin == "bind" ? _config.Get(Settings.Bind) : null);
        foreach (var listener in _listeners.All)
        {
            LogListening(_logger, Url(listener, _config), Environment.ProcessId);
        }

        if (origin != "bind")
        {
            LogListenersFrom(_logger, origin);
        }

        if (Daemon.IsDaemon)
        {
            // Bound: the command that started the daemon may return, and the terminal go.
            Daemon.Bound(stderrIsLogFile: _errorLog is not null);
        }
    }

    /// <summary>Sets up the snapshots and the balance board, and copies the app for generation 1.</summary>
    private void PrepareFirstGeneration()
    {
        LogUsingWorker(_logger);
        RemoveStaleSnapshots(_logger);
        _snapshots = new AppSnapshots(AppSnapshots.DefaultRoot(Environment.ProcessId));
        var boardPath = Path.Combine(_snapshots.Root, "balance");
        _board = Balance.BalanceBoard.Create(boardPath);
        _balance = new BalanceSlots(_board, boardPath);
        _generations = new Generations(_snapshots, _listeners!, _balance);
        LogSnapshot(_logger, 1, _generations.Prepare(1, _config, _app, out _));
    }

    /// <summary>Runs the arbiter, with the control socket, the code watcher and the signals, until it stops; its exit code.</summary>
    private int Serve()
    {
        var arbiter = _arbiter = new Arbiter(_config, this, new ProcessWorkerLauncher(_generations!.SpecFor), TimeProvider.System, _loggers.CreateLogger<Arbiter>());
        _upgrade = new BinaryUpgrade(_arguments, _listeners!, _pidFile, _notifier, arbiter.Post, _logger);
        using var metrics = _metricsListeners.Count > 0 ? MetricsServer.Start(_metricsListeners, arbiter, _logger) : null;
        using var statsd = StatsdSender.Start(_config, arbiter, _logCounts);
        using var control = _config.ControlSocketPath is { } controlPath
            ? ControlServer.Start(controlPath, _config.Get(Settings.ControlSocketMode), arbiter, () => _listeners!.Current.Select(l => l.Url).ToList(), () => metrics?.Urls ?? [], _config.Lines(), TimeProvider.System, _loggers.CreateLogger("Gunicornet.Control"))
            : null;
        using var watcher = _config.Get(Settings.Reload)
            ? new CodeWatcher(
                Path.GetDirectoryName(_app.AssemblyPath)!,
                _config.Get(Settings.ReloadExtraFiles),
                changed => arbiter.Post(new LoopAction(() => arbiter.Command(Signal.Hup, $"reload ({changed} changed)"))),
                _loggers.CreateLogger("Gunicornet.Reload"))
            : null;
        using (new SignalSource(
            [Signal.Hup, Signal.Int, Signal.Quit, Signal.Term, Signal.Ttin, Signal.Ttou, Signal.Winch, Signal.Usr1, Signal.Usr2],
            arbiter.OnSignal))
        {
            return arbiter.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>Closes the listeners and the PID file and says why the master stopped; returns <paramref name="exitCode"/>.</summary>
    private int Stop(int exitCode)
    {
        _listeners?.Dispose();
        _pidFile?.Dispose();
        _pidFile = null;
        LogShuttingDown(_logger);
        if (_arbiter?.StopReason is { } reason)
        {
            LogReason(_logger, reason);
            if (exitCode != ExitCodes.Ok)
            {
                // An app that cannot boot stops the start; the log file alone would say so to nobody.
                _terminal?.Say($"gunicornet: error: {reason} (the error log, {_errorLog}, has the details)\n");
            }
        }

        return exitCode;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _listeners?.Dispose();
        _metricsListeners.ForEach(l => l.Dispose());
        _pidFile?.Dispose();
        _board?.Dispose();
        _snapshots?.Dispose();
        _notifier.Dispose();
        _loggers.Dispose();
    }

    /// <inheritdoc />
    TimeSpan? IMasterHooks.PulseInterval => _notifier.WatchdogInterval;

    /// <inheritdoc />
    void IMasterHooks.Pulse() => _notifier.Watchdog();

    /// <inheritdoc />
    void IMasterHooks.Stopping() => _listeners!.Dispose();

    /// <inheritdoc />
    ReloadResult IMasterHooks.Reload(int generation, ServerConfig current) => Reload(generation);

    /// <inheritdoc />
    void IMasterHooks.GenerationRetired(int generation) => LogClosed(_logger, _generations!.Drop(generation));

    /// <inheritdoc />
    void IMasterHooks.StatusChanged(ArbiterStatus status) => _status.Report(status);

    /// <inheritdoc />
    void IMasterHooks.ReopenLogs()
    {
        if (_errorLog is not null)
        {
            ReopenLog(_errorLog, _logger);
        }
    }

    /// <inheritdoc />
    void IMasterHooks.PoolChanged(IReadOnlyList<WorkerHandle> workers) => _balance!.Update(workers);

    /// <inheritdoc />
    void IMasterHooks.Upgrade() => _upgrade!.Start();

    /// <summary>What must hold before the master binds: root for --user, a TLS certificate that loads.</summary>
    internal static string? Prerequisites(ServerConfig config)
    {
        if ((config.Get(Settings.User) is not null || config.Get(Settings.Group) is not null) && !Accounts.IsRoot)
        {
            return "--user and --group need the master to run as root (it is not): workers can't change to another user";
        }

        if (config.Tls is { } tls)
        {
            try
            {
                using var certificate = Tls.Load(tls).ServerCertificate;
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
        }

        return null;
    }

    /// <summary>Workers running as --user reopen the log files on USR1: the files must be theirs.</summary>
    private static void GiveLogsToWorkers(ServerConfig config, string? errorLog)
    {
        var (uid, gid, _) = Accounts.Resolve(config.Get(Settings.User), config.Get(Settings.Group));
        if (uid is null && gid is null)
        {
            return;
        }

        if (errorLog is not null)
        {
            Accounts.Chown(errorLog, uid, gid);
        }

        if (config.Get(Settings.AccessLog) is { } access and not "-")
        {
            FileDescriptors.Close(FileDescriptors.OpenAppend(Path.GetFullPath(access), "access log"));
            Accounts.Chown(Path.GetFullPath(access), uid, gid);
        }
    }

    /// <summary>Writes a one-line error for a problem found before the master started.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"gunicornet: error: {message}");
        return ExitCodes.Error;
    }

    internal static AppSpec ResolveApp(ServerConfig config)
    {
        var app = AppSpec.Parse(config.App);
        return app with { AssemblyPath = Path.GetFullPath(app.AssemblyPath) };
    }

    /// <summary>
    /// HUP: reads the configuration again and prepares the new generation, or says why not. As at
    /// start, from the directory the command started in and then <c>--chdir</c>, each entered by its
    /// path; a refused reload leaves the master where it was.
    /// </summary>
    private ReloadResult Reload(int generation)
    {
        var before = CurrentDirectory();
        var result = PrepareReload(generation);
        if (result.Config is null && before is not null)
        {
            try
            {
                Directory.SetCurrentDirectory(before);
            }
            catch (IOException)
            {
                // Gone since: the next HUP enters the start directory again anyway.
            }
        }

        return result;
    }

    private static string? CurrentDirectory()
    {
        try
        {
            return Environment.CurrentDirectory;
        }
        catch (IOException)
        {
            // Removed while the master runs in it (a deploy that replaced the folder).
            return null;
        }
    }

    private ReloadResult PrepareReload(int generation)
    {
        var (config, errors) = _reread();
        if (config is null)
        {
            return ReloadResult.Refused(string.Join("; ", errors));
        }

        if (config.Get(Settings.Chdir) is { } chdir)
        {
            try
            {
                Directory.SetCurrentDirectory(chdir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ReloadResult.Refused($"--chdir {chdir}: {e.Message}");
            }
        }

        LogWarnings(_logger, config);
        if (!_listeners!.FollowsBind)
        {
            // Sockets from systemd or an old master are the master's for its whole life.
            LogBindsKept(_logger);
        }

        List<Listener> opened;
        try
        {
            LogSnapshot(_logger, generation, _generations!.Prepare(generation, config, ResolveApp(config), out opened));
        }
        catch (Exception e) when (e is IOException or ListenerException)
        {
            return ReloadResult.Refused(e.Message);
        }

        foreach (var listener in opened)
        {
            LogListening(_logger, Url(listener, config), Environment.ProcessId);
        }

        return ReloadResult.Ok(config);
    }

    /// <summary>A socket's URL as the log says it: https when the server speaks TLS.</summary>
    private static string Url(Listener listener, ServerConfig config) =>
        config.Tls is null ? listener.Url : listener.Url.Replace("http://", "https://", StringComparison.Ordinal);

    private static void LogClosed(ILogger logger, List<Listener> closed)
    {
        foreach (var listener in closed)
        {
            LogStoppedListening(logger, listener.Url);
        }
    }

    /// <summary>Why APP cannot be served from where it points, or null when its file is there.</summary>
    internal static string? MissingApp(ServerConfig config, AppSpec app) =>
        File.Exists(app.AssemblyPath) ? null
        : Directory.Exists(app.AssemblyPath) ? $"APP '{config.App}' is a directory: name the app's assembly in it, e.g. {Path.Combine(config.App, "MyApp.dll")}"
        : $"APP '{config.App}' not found: no file at {app.AssemblyPath}";

    /// <summary>Says, one line each, what the configuration holds that has no effect here.</summary>
    private static void LogWarnings(ILogger logger, ServerConfig config)
    {
        foreach (var warning in config.Warnings)
        {
            LogConfigWarning(logger, warning);
        }
    }

    /// <summary>Snapshot folders of masters that are gone (killed, say, and restarted by systemd) go at start.</summary>
    private static void RemoveStaleSnapshots(ILogger logger)
    {
        try
        {
            var (folders, bytes) = AppSnapshots.RemoveStale(Path.GetTempPath(), pid => pid == Environment.ProcessId || ProcessTable.IsGunicornet(pid));
            if (folders > 0)
            {
                LogStaleSnapshots(logger, folders, bytes / 1048576.0, Path.GetTempPath());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temp folder cannot be listed: nothing of ours can be there either.
        }
    }

    private static void LogSnapshot(ILogger logger, int generation, Snapshot snapshot) =>
        LogSnapshotTaken(logger, generation, Path.GetDirectoryName(snapshot.AppPath)!, snapshot.Files, snapshot.Bytes / 1048576.0);

    private static void ReopenLog(string path, ILogger logger)
    {
        try
        {
            LogFile.RedirectStderr(path);
            LogReopened(logger, path);
        }
        catch (IOException e)
        {
            LogReopenFailed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = EventIds.Starting, Level = LogLevel.Information, Message = "Starting gunicornet {Version}")]
    private static partial void LogStarting(ILogger logger, string version);

    [LoggerMessage(EventId = EventIds.Listening, Level = LogLevel.Information, Message = "Listening at: {Url} ({Pid})")]
    private static partial void LogListening(ILogger logger, string url, int pid);

    [LoggerMessage(EventId = EventIds.UsingWorker, Level = LogLevel.Information, Message = "Using worker: kestrel")]
    private static partial void LogUsingWorker(ILogger logger);

    [LoggerMessage(EventId = EventIds.StartError, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogStartError(ILogger logger, string message);

    [LoggerMessage(EventId = EventIds.ShuttingDown, Level = LogLevel.Information, Message = "Shutting down: Master")]
    private static partial void LogShuttingDown(ILogger logger);

    [LoggerMessage(EventId = EventIds.Reason, Level = LogLevel.Information, Message = "Reason: {Reason}")]
    private static partial void LogReason(ILogger logger, string reason);

    [LoggerMessage(EventId = EventIds.ListenersFrom, Level = LogLevel.Information, Message = "Listeners {Origin}; --bind is not used")]
    private static partial void LogListenersFrom(ILogger logger, string origin);

    [LoggerMessage(EventId = EventIds.BindsKept, Level = LogLevel.Debug, Message = "The sockets came from systemd or an old master: bind is not used")]
    private static partial void LogBindsKept(ILogger logger);

    [LoggerMessage(EventId = EventIds.SnapshotTaken, Level = LogLevel.Information, Message = "App copied for generation {Generation}: {Folder} ({Files} files, {Megabytes:F1} MB)")]
    private static partial void LogSnapshotTaken(ILogger logger, int generation, string folder, int files, double megabytes);

    [LoggerMessage(EventId = EventIds.StaleSnapshots, Level = LogLevel.Information, Message = "Removed {Folders} snapshot folder(s) of masters that are gone from {Temp} ({Megabytes:F1} MB)")]
    private static partial void LogStaleSnapshots(ILogger logger, int folders, double megabytes, string temp);

    [LoggerMessage(EventId = EventIds.StoppedListening, Level = LogLevel.Information, Message = "Stopped listening at: {Url} (no generation serves it any more)")]
    private static partial void LogStoppedListening(ILogger logger, string url);

    [LoggerMessage(EventId = EventIds.ConfigWarning, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = EventIds.MasterProcessReopened, Level = LogLevel.Information, Message = "Reopened log file {Path}")]
    private static partial void LogReopened(ILogger logger, string path);

    [LoggerMessage(EventId = EventIds.ReopenFailed, Level = LogLevel.Error, Message = "{Message}; logging goes on to the old file")]
    private static partial void LogReopenFailed(ILogger logger, string message);
}
