using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Worker;

/// <summary>The worker's log lines, in gunicorn's words where gunicorn has them.</summary>
internal sealed partial class WorkerHost
{
    /// <summary>The app cannot be loaded: said in the log, and to the master, which repeats it if it stops for it.</summary>
    private void LogAppLoadError(string message)
    {
        LogAppLoadErrorLine(message);
        _channel.Send(new Ipc.Failed("App failed to load: " + message));
    }

    /// <summary>The app threw while it was set up: as <see cref="LogAppLoadError"/>, with the exception.</summary>
    private void LogAppException(string message, Exception exception)
    {
        LogAppExceptionLine(message, exception);
        _channel.Send(new Ipc.Failed("App failed to load: " + message));
    }

    /// <summary>The worker failed before it was ready: as <see cref="LogAppLoadError"/>, with the exception.</summary>
    private void LogBootError(string message, Exception exception)
    {
        LogBootErrorLine(message, exception);
        _channel.Send(new Ipc.Failed("Worker failed to boot: " + message));
    }

    [LoggerMessage(EventId = EventIds.AppLoadErrorLine, Level = LogLevel.Error, Message = "App failed to load: {Message}")]
    private partial void LogAppLoadErrorLine(string message);

    [LoggerMessage(EventId = EventIds.AppExceptionLine, Level = LogLevel.Error, Message = "App failed to load: {Message}")]
    private partial void LogAppExceptionLine(string message, Exception exception);

    [LoggerMessage(EventId = EventIds.BootErrorLine, Level = LogLevel.Error, Message = "Worker failed to boot: {Message}")]
    private partial void LogBootErrorLine(string message, Exception exception);

    [LoggerMessage(EventId = EventIds.WorkerCrashed, Level = LogLevel.Error, Message = "Worker crashed: {Message}")]
    private partial void LogWorkerCrashed(string message, Exception exception);

    [LoggerMessage(EventId = EventIds.Exiting, Level = LogLevel.Information, Message = "Worker exiting (pid: {Pid})")]
    private partial void LogExiting(int pid);

    [LoggerMessage(EventId = EventIds.ParentChanged, Level = LogLevel.Warning, Message = "Parent changed, shutting down: worker {Pid}")]
    private partial void LogParentChanged(int pid);

    [LoggerMessage(EventId = EventIds.Draining, Level = LogLevel.Debug, Message = "Draining: stopped accepting; {Connections} connections open")]
    private partial void LogDraining(int connections);

    [LoggerMessage(EventId = EventIds.WorkerHostStarted, Level = LogLevel.Debug, Message = "App started: {Methods} methods compiled at run time, in {JitMilliseconds:F0} ms")]
    private partial void LogStarted(long methods, double jitMilliseconds);

    [LoggerMessage(EventId = EventIds.WorkerHostReopened, Level = LogLevel.Information, Message = "Reopened log file {Path}")]
    private partial void LogReopened(string path);

    [LoggerMessage(EventId = EventIds.NoBalancing, Level = LogLevel.Warning, Message = "Accepting without balancing: can't map {File}: {Message}")]
    private partial void LogNoBalancing(string file, string message);

    [LoggerMessage(EventId = EventIds.AccessLogReopened, Level = LogLevel.Debug, Message = "Reopened access log")]
    private partial void LogAccessLogReopened();

    [LoggerMessage(EventId = EventIds.AccessLogFailure, Level = LogLevel.Error, Message = "{Message}")]
    private partial void LogAccessLogFailure(string message);

    [LoggerMessage(EventId = EventIds.AccessLogReopenFailed, Level = LogLevel.Error, Message = "{Message}; access logging goes on to the old file")]
    private partial void LogAccessLogReopenFailed(string message);

    [LoggerMessage(EventId = EventIds.ErrorLogReopenFailed, Level = LogLevel.Error, Message = "{Message}; logging goes on to the old file")]
    private partial void LogErrorLogReopenFailed(string message);
}
