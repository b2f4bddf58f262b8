using System.Reflection;
using Gunicornet.Config;
using Gunicornet.Logging;
using Gunicornet.Posix;
using Gunicornet.Worker;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Master;

/// <summary>The master process from start to exit: binds, supervises, cleans up.</summary>
internal static partial class MasterProcess
{
    /// <summary>The version printed at start and by <c>--version</c>.</summary>
    public static string Version { get; } =
        typeof(MasterProcess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>Runs the master; returns its exit code.</summary>
    public static int Run(ServerConfig config)
    {
        if (config.Chdir is { } chdir)
        {
            // As gunicorn: the master changes directory before it loads anything, so relative paths
            // (APP, pidfile, unix sockets) are relative to it.
            Directory.SetCurrentDirectory(chdir);
        }

        var app = AppSpec.Parse(config.App);
        app = app with { AssemblyPath = Path.GetFullPath(app.AssemblyPath) };
        if (!File.Exists(app.AssemblyPath))
        {
            return Fail($"APP '{config.App}' not found: no file at {app.AssemblyPath}");
        }

        using var loggers = ErrorLog.CreateFactory(config.LogLevel);
        var logger = loggers.CreateLogger("Gunicornet.Master");
        LogStarting(logger, Version);

        PidFile? pidFile = null;
        var listeners = new List<Listener>();
        try
        {
            if (config.PidFile is { } pidPath)
            {
                pidFile = PidFile.Create(pidPath, Environment.ProcessId);
            }

            foreach (var bind in config.Bind)
            {
                BindAddress.TryParse(bind, out var address, out _);
                listeners.Add(Listener.Bind(address!, config.Backlog));
            }
        }
        catch (Exception e) when (e is ListenerException or InvalidOperationException)
        {
            LogStartError(logger, e.Message);
            listeners.ForEach(l => l.Dispose());
            pidFile?.Dispose();
            return ExitCodes.Error;
        }

        foreach (var listener in listeners)
        {
            LogListening(logger, listener.Url, Environment.ProcessId);
        }

        LogUsingWorker(logger);
        var contentRoot = config.Chdir is null ? Path.GetDirectoryName(app.AssemblyPath)! : Directory.GetCurrentDirectory();
        var spec = new WorkerSpec
        {
            AppPath = app.AssemblyPath,
            TypeName = app.TypeName,
            ContentRoot = contentRoot,
            ListenFds = listeners.Select(l => l.Fd).ToArray(),
            ControlReadFd = -1,
            ControlWriteFd = -1,
            Backlog = config.Backlog,
            GracefulTimeoutSeconds = config.GracefulTimeout.TotalSeconds,
            LogLevel = Settings.LogLevels.FirstOrDefault(n => CommandLine.ParseLogLevel(n) == config.LogLevel) ?? "info",
        };

        var closed = false;
        void CloseListeners()
        {
            if (!closed)
            {
                closed = true;
                listeners.ForEach(l => l.Dispose());
            }
        }

        var arbiter = new Arbiter(
            new ArbiterOptions { Workers = config.Workers, GracefulTimeout = config.GracefulTimeout, OnStopping = CloseListeners },
            new ProcessWorkerLauncher(age => spec with { Age = age }),
            TimeProvider.System,
            loggers.CreateLogger<Arbiter>());

        int exitCode;
        using (new SignalSource(
            [Signal.Hup, Signal.Int, Signal.Quit, Signal.Term, Signal.Ttin, Signal.Ttou, Signal.Winch, Signal.Usr1, Signal.Usr2],
            arbiter.OnSignal))
        {
            exitCode = arbiter.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        CloseListeners();
        pidFile?.Dispose();
        LogShuttingDown(logger);
        if (arbiter.StopReason is { } reason)
        {
            LogReason(logger, reason);
        }

        return exitCode;
    }

    /// <summary>Writes a one-line error for a problem found before the master started.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"gunicornet: error: {message}");
        return ExitCodes.Error;
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
}
