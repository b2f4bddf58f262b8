using System.Reflection;
using Gunicornet.Config;
using Gunicornet.Logging;
using Gunicornet.Posix;
using Gunicornet.Worker;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>The master process from start to exit: binds, supervises, reloads, cleans up.</summary>
internal static partial class MasterProcess
{
    /// <summary>The version printed at start and by <c>--version</c>.</summary>
    public static string Version { get; } =
        typeof(MasterProcess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

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

        if (config.Chdir is { } chdir)
        {
            // As gunicorn: the master changes directory before it loads anything, so relative paths
            // (APP, pidfile, unix sockets, log files) are relative to it.
            Directory.SetCurrentDirectory(chdir);
        }

        var app = ResolveApp(config);
        if (MissingApp(config, app) is { } missing)
        {
            return Fail(missing);
        }

        if (Prerequisites(config) is { } problem)
        {
            return Fail(problem);
        }

        var errorLog = config.ErrorLog == "-" ? null : Path.GetFullPath(config.ErrorLog);
        OriginalStderr? terminal = null;
        try
        {
            if (errorLog is not null)
            {
                terminal = LogFile.KeepOriginalStderr();
                LogFile.RedirectStderr(errorLog);
            }

            GiveLogsToWorkers(config, errorLog);
        }
        catch (IOException e)
        {
            return Fail(e.Message);
        }

        ProcessName.Set(config.ProcName);

        using var loggers = ErrorLog.CreateFactory(config.LogLevel);
        var logger = loggers.CreateLogger("Gunicornet.Master");
        LogStarting(logger, Version);
        LogWarnings(logger, config);
        using var notifier = SystemdNotifier.FromEnvironment();

        PidFile? pidFile = null;
        ListenerSet listeners;
        string origin;
        try
        {
            pidFile = config.PidFile is { } pidPath ? PidFile.Create(pidPath, Environment.ProcessId) : null;
            var opened = ListenerSource.Open(config, out origin);
            listeners = new ListenerSet(opened, origin == "bind" ? config.Bind : null);
        }
        catch (Exception e) when (e is ListenerException or InvalidOperationException or FormatException)
        {
            pidFile?.Dispose();
            return StartFailed(logger, terminal, e.Message);
        }

        foreach (var listener in listeners.All)
        {
            LogListening(logger, Url(listener, config), Environment.ProcessId);
        }

        if (origin != "bind")
        {
            LogListenersFrom(logger, origin);
        }

        if (Daemon.IsDaemon)
        {
            // Bound: the command that started the daemon may return, and the terminal go.
            Daemon.Bound(stderrIsLogFile: errorLog is not null);
        }

        LogUsingWorker(logger);
        RemoveStaleSnapshots(logger);
        using var snapshots = new AppSnapshots(AppSnapshots.DefaultRoot(Environment.ProcessId));
        var boardPath = Path.Combine(snapshots.Root, "balance");
        using var board = Balance.BalanceBoard.Create(boardPath);
        var balance = new Balance.BalanceSlots(board, boardPath);
        var generations = new Generations(snapshots, listeners, errorLog, balance);
        try
        {
            LogSnapshot(logger, 1, generations.Prepare(1, config, app, out _));
        }
        catch (IOException e)
        {
            listeners.Dispose();
            pidFile?.Dispose();
            return StartFailed(logger, terminal, e.Message);
        }

        Arbiter? arbiter = null;
        var status = new StatusReporter(notifier);
        BinaryUpgrade? upgrade = null;
        arbiter = new Arbiter(
            new ArbiterOptions
            {
                Settings = ToArbiterSettings(config),
                OnStopping = listeners.Dispose,
                Reload = generation => Reload(generation, listeners, reread, generations, logger),
                GenerationRetired = generation => LogClosed(logger, generations.Drop(generation)),
                StatusChanged = status.Report,
                ReopenLogs = errorLog is null ? null : () => ReopenLog(errorLog, logger),
                Upgrade = () => upgrade!.Start(),
                PoolChanged = balance.Update,
                Pulse = notifier.Watchdog,
                PulseInterval = notifier.WatchdogInterval,
            },
            new ProcessWorkerLauncher(generations.SpecFor),
            TimeProvider.System,
            loggers.CreateLogger<Arbiter>());
        upgrade = new BinaryUpgrade(arguments, listeners, pidFile, notifier, arbiter.Post, logger);

        using var control = config.ControlSocket is { } controlPath
            ? ControlServer.Start(controlPath, config.ControlSocketMode, arbiter, () => listeners.Current.Select(l => l.Url).ToList(), config.Effective, loggers.CreateLogger("Gunicornet.Control"))
            : null;
        using var watcher = config.Reload
            ? new CodeWatcher(
                Path.GetDirectoryName(app.AssemblyPath)!,
                config.ReloadExtraFiles,
                changed => arbiter.Post(new LoopAction(() => arbiter.Command(Signal.Hup, $"reload ({changed} changed)"))),
                loggers.CreateLogger("Gunicornet.Reload"))
            : null;
        int exitCode;
        using (new SignalSource(
            [Signal.Hup, Signal.Int, Signal.Quit, Signal.Term, Signal.Ttin, Signal.Ttou, Signal.Winch, Signal.Usr1, Signal.Usr2],
            arbiter.OnSignal))
        {
            exitCode = arbiter.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        listeners.Dispose();
        pidFile?.Dispose();
        LogShuttingDown(logger);
        if (arbiter.StopReason is { } reason)
        {
            LogReason(logger, reason);
            if (exitCode != ExitCodes.Ok)
            {
                // An app that cannot boot stops the start; the log file alone would say so to nobody.
                terminal?.Say($"gunicornet: error: {reason} (the error log, {errorLog}, has the details)\n");
            }
        }

        return exitCode;
    }

    /// <summary>An error that stops the start: in the error log, and on the terminal when the log is a file.</summary>
    private static int StartFailed(ILogger logger, OriginalStderr? terminal, string message)
    {
        LogStartError(logger, message);
        terminal?.Say($"gunicornet: error: {message}\n");
        return ExitCodes.Error;
    }

    /// <summary>What must hold before the master binds: root for --user, a TLS certificate that loads.</summary>
    internal static string? Prerequisites(ServerConfig config)
    {
        if ((config.User is not null || config.Group is not null) && Mono.Unix.Native.Syscall.geteuid() != 0)
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
        var (uid, gid, _) = Accounts.Resolve(config.User, config.Group);
        if (uid is null && gid is null)
        {
            return;
        }

        if (errorLog is not null)
        {
            Accounts.Chown(errorLog, uid, gid);
        }

        if (config.AccessLog is { } access and not "-")
        {
            Mono.Unix.Native.Syscall.close(LogFile.OpenAppend(Path.GetFullPath(access), "access log"));
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

    /// <summary>The arbiter's share of a configuration.</summary>
    internal static ArbiterSettings ToArbiterSettings(ServerConfig config) => new()
    {
        Workers = config.Workers,
        GracefulTimeout = config.GracefulTimeout,
        Timeout = config.Timeout,
        RequestTimeout = config.RequestTimeout,
        BootTimeout = config.BootTimeout,
        MaxRequests = config.MaxRequests,
        MaxRequestsJitter = config.MaxRequestsJitter,
    };

    private static ReloadResult Reload(
        int generation,
        ListenerSet listeners,
        Func<(ServerConfig? Config, IReadOnlyList<string> Errors)> reread,
        Generations generations,
        ILogger logger)
    {
        var (config, errors) = reread();
        if (config is null)
        {
            return ReloadResult.Refused(string.Join("; ", errors));
        }

        LogWarnings(logger, config);
        if (!listeners.FollowsBind)
        {
            // Sockets from systemd or an old master are the master's for its whole life.
            LogBindsKept(logger);
        }

        List<Listener> opened;
        try
        {
            LogSnapshot(logger, generation, generations.Prepare(generation, config, ResolveApp(config), out opened));
        }
        catch (Exception e) when (e is IOException or ListenerException)
        {
            return ReloadResult.Refused(e.Message);
        }

        foreach (var listener in opened)
        {
            LogListening(logger, Url(listener, config), Environment.ProcessId);
        }

        return ReloadResult.Ok(ToArbiterSettings(config));
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting gunicornet {Version}")]
    private static partial void LogStarting(ILogger logger, string version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Listening at: {Url} ({Pid})")]
    private static partial void LogListening(ILogger logger, string url, int pid);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Using worker: kestrel")]
    private static partial void LogUsingWorker(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogStartError(ILogger logger, string message);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Shutting down: Master")]
    private static partial void LogShuttingDown(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Reason: {Reason}")]
    private static partial void LogReason(ILogger logger, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Listeners {Origin}; --bind is not used")]
    private static partial void LogListenersFrom(ILogger logger, string origin);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "The sockets came from systemd or an old master: bind is not used")]
    private static partial void LogBindsKept(ILogger logger);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "App copied for generation {Generation}: {Folder} ({Files} files, {Megabytes:F1} MB)")]
    private static partial void LogSnapshotTaken(ILogger logger, int generation, string folder, int files, double megabytes);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Removed {Folders} snapshot folder(s) of masters that are gone from {Temp} ({Megabytes:F1} MB)")]
    private static partial void LogStaleSnapshots(ILogger logger, int folders, double megabytes, string temp);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Stopped listening at: {Url} (no generation serves it any more)")]
    private static partial void LogStoppedListening(ILogger logger, string url);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Reopened log file {Path}")]
    private static partial void LogReopened(ILogger logger, string path);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "{Message}; logging goes on to the old file")]
    private static partial void LogReopenFailed(ILogger logger, string message);
}
