using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Master;

/// <summary>
/// USR2, as gunicorn documents it: start a new master (the executable as it is on disk now) that
/// inherits the listeners and boots its own workers, while this one keeps serving. The pidfile moves
/// to <c>PIDFILE.oldbin</c>, so that the new master can write its own. The operator then finishes with
/// TERM to the old master (WINCH first stops its workers), or rolls back with HUP to the old master
/// and TERM to the new one; when the new master exits, the pidfile moves back.
/// </summary>
internal sealed partial class BinaryUpgrade(
    IReadOnlyList<string> arguments,
    ListenerSet listeners,
    PidFile? pidFile,
    SystemdNotifier notifier,
    Action<ArbiterEvent> post,
    ILogger logger)
{
    private readonly string? _pidPath = pidFile?.Path;
    private Process? _child;

    /// <summary>Starts the new master, unless one is running already.</summary>
    public void Start()
    {
        if (_child is { HasExited: false })
        {
            LogAlreadyRunning(logger, _child.Id);
            return;
        }

        var (fileName, prefix) = SelfCommand.Resolve(worker: false);
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in notifier.ForNewMaster())
        {
            start.Environment[name] = value;
        }

        start.Environment[ListenerSource.InheritedFdsVariable] =
            string.Join(",", listeners.Current.Select(l => l.Fd.ToString(CultureInfo.InvariantCulture)));
        if (pidFile is not null && _pidPath is not null)
        {
            pidFile.MoveTo(_pidPath + ".oldbin");
        }

        try
        {
            _child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (Exception e)
        {
            LogFailed(logger, e.Message);
            RestorePidFile();
            return;
        }

        // The new master serves on the same sockets: this one must not remove a unix socket's file.
        foreach (var listener in listeners.All)
        {
            listener.KeepPathOnClose();
        }

        LogStarted(logger, _child.Id);
        notifier.MainPid(_child.Id);
        var child = _child;
        _ = child.WaitForExitAsync().ContinueWith(_ => post(new LoopAction(() => OnExited(child))), TaskScheduler.Default);
    }

    private void OnExited(Process child)
    {
        LogExited(logger, child.Id, child.ExitCode);
        RestorePidFile();
        notifier.MainPid(Environment.ProcessId);
        child.Dispose();
    }

    private void RestorePidFile()
    {
        if (pidFile is not null && _pidPath is not null && !File.Exists(_pidPath))
        {
            pidFile.MoveTo(_pidPath);
        }
    }

    [LoggerMessage(EventId = EventIds.BinaryUpgradeStarted, Level = LogLevel.Information, Message = "Started new master with pid: {Pid} (binary upgrade)")]
    private static partial void LogStarted(ILogger logger, int pid);

    [LoggerMessage(EventId = EventIds.AlreadyRunning, Level = LogLevel.Warning, Message = "USR2 ignored: the new master (pid:{Pid}) is still running")]
    private static partial void LogAlreadyRunning(ILogger logger, int pid);

    [LoggerMessage(EventId = EventIds.Failed, Level = LogLevel.Error, Message = "Can't start a new master: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);

    [LoggerMessage(EventId = EventIds.Exited, Level = LogLevel.Information, Message = "New master (pid:{Pid}) exited with code {Code}")]
    private static partial void LogExited(ILogger logger, int pid, int code);
}
