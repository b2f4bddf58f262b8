using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Master;

/// <summary>The arbiter's log lines, in gunicorn's words where gunicorn has them.</summary>
internal sealed partial class Arbiter
{
    [LoggerMessage(EventId = EventIds.HandlingSignal, Level = LogLevel.Information, Message = "Handling signal: {Signal}")]
    private partial void LogHandlingSignal(string signal);

    [LoggerMessage(EventId = EventIds.RequestTimeout, Level = LogLevel.Warning, Message = "Worker (pid:{Pid}) has had a request in flight for {Seconds:F0}s (request timeout {Limit:F0}s): replacing it")]
    private partial void LogRequestTimeout(int pid, double seconds, double limit);

    [LoggerMessage(EventId = EventIds.ControlCommand, Level = LogLevel.Information, Message = "Control command: {Command}")]
    private partial void LogControlCommand(string command);

    [LoggerMessage(EventId = EventIds.SignalNotSupported, Level = LogLevel.Warning, Message = "Ignoring signal: {Signal} (not supported by this version)")]
    private partial void LogSignalNotSupported(string signal);

    [LoggerMessage(EventId = EventIds.BootingWorker, Level = LogLevel.Information, Message = "Booting worker with pid: {Pid}")]
    private partial void LogBootingWorker(int pid);

    [LoggerMessage(EventId = EventIds.WorkerReady, Level = LogLevel.Debug, Message = "Worker {Pid} ready after {Milliseconds:F0} ms (generation {Generation})")]
    private partial void LogWorkerReady(int pid, int generation, double milliseconds);

    [LoggerMessage(EventId = EventIds.WorkerLeaving, Level = LogLevel.Information, Message = "Worker (pid:{Pid}) is leaving: {Reason}")]
    private partial void LogWorkerLeaving(int pid, string reason);

    [LoggerMessage(EventId = EventIds.WorkerSigkill, Level = LogLevel.Error, Message = "Worker (pid:{Pid}) was sent SIGKILL! Perhaps out of memory?")]
    private partial void LogWorkerSigkill(int pid);

    [LoggerMessage(EventId = EventIds.WorkerSignalled, Level = LogLevel.Error, Message = "Worker (pid:{Pid}) was sent signal {Signal}!")]
    private partial void LogWorkerSignalled(int pid, int signal);

    [LoggerMessage(EventId = EventIds.WorkerExitCode, Level = LogLevel.Error, Message = "Worker (pid:{Pid}) exited with code {Code}")]
    private partial void LogWorkerExitCode(int pid, int code);

    [LoggerMessage(EventId = EventIds.WorkerExitedUnasked, Level = LogLevel.Warning, Message = "Worker (pid:{Pid}) exited without being asked to")]
    private partial void LogWorkerExitedUnasked(int pid);

    [LoggerMessage(EventId = EventIds.WorkerCount, Level = LogLevel.Information, Message = "Number of workers: {Count}")]
    private partial void LogWorkerCount(int count);

    [LoggerMessage(EventId = EventIds.KillingOverdue, Level = LogLevel.Warning, Message = "Worker (pid:{Pid}) outlived the graceful timeout; sending SIGKILL")]
    private partial void LogKillingOverdue(int pid);

    [LoggerMessage(EventId = EventIds.SpawnFailed, Level = LogLevel.Error, Message = "Can't spawn a worker: {Message}")]
    private partial void LogSpawnFailed(string message, Exception exception);

    [LoggerMessage(EventId = EventIds.SignalFailed, Level = LogLevel.Error, Message = "Can't signal worker (pid:{Pid}): {Message}")]
    private partial void LogSignalFailed(int pid, string message);

    [LoggerMessage(EventId = EventIds.WorkerTimeout, Level = LogLevel.Critical, Message = "WORKER TIMEOUT (pid:{Pid})")]
    private partial void LogWorkerTimeout(int pid);

    [LoggerMessage(EventId = EventIds.BootTimeout, Level = LogLevel.Error, Message = "Worker (pid:{Pid}) not ready after {Seconds:F0}s (boot timeout); sending SIGKILL")]
    private partial void LogBootTimeout(int pid, double seconds);

    [LoggerMessage(EventId = EventIds.MaxMemory, Level = LogLevel.Information, Message = "Autorestarting worker (pid:{Pid}, slot {Slot}): {Megabytes} MB resident, over --max-worker-memory {Limit} MB")]
    private partial void LogMaxMemory(int pid, int slot, long megabytes, int limit);

    [LoggerMessage(EventId = EventIds.OverMemoryAtBoot, Level = LogLevel.Warning, Message = "Worker (pid:{Pid}) has {Megabytes} MB resident right after boot, over --max-worker-memory {Limit} MB: kept, since its successors would boot as big (raise the limit)")]
    private partial void LogOverMemoryAtBoot(int pid, long megabytes, int limit);

    [LoggerMessage(EventId = EventIds.MaxLifetime, Level = LogLevel.Information, Message = "Autorestarting worker (pid:{Pid}, slot {Slot}) after {Seconds:F0}s (--max-worker-lifetime)")]
    private partial void LogMaxLifetime(int pid, int slot, double seconds);

    [LoggerMessage(EventId = EventIds.MaxRequests, Level = LogLevel.Information, Message = "Autorestarting worker (pid:{Pid}) after {Served} requests")]
    private partial void LogMaxRequests(int pid, long served);

    [LoggerMessage(EventId = EventIds.CrashLoop, Level = LogLevel.Error, Message = "Workers keep dying soon after boot ({Count} in a row); next spawn in {Seconds:F0}s")]
    private partial void LogCrashLoop(int count, double seconds);

    [LoggerMessage(EventId = EventIds.Retiring, Level = LogLevel.Debug, Message = "Retiring worker (pid:{Pid}, generation {Generation})")]
    private partial void LogRetiring(int pid, int generation);

    [LoggerMessage(EventId = EventIds.Reloading, Level = LogLevel.Information, Message = "Reloading: spawning generation {Generation} ({Workers} workers)")]
    private partial void LogReloading(int generation, int workers);

    [LoggerMessage(EventId = EventIds.Reloaded, Level = LogLevel.Information, Message = "Reload complete: generation {Generation} serving with {Ready} workers")]
    private partial void LogReloaded(int generation, int ready);

    [LoggerMessage(EventId = EventIds.ReloadRefused, Level = LogLevel.Error, Message = "Reload refused, keeping the running configuration: {Error}")]
    private partial void LogReloadRefused(string error);

    [LoggerMessage(EventId = EventIds.ReloadFailed, Level = LogLevel.Error, Message = "Reload failed: generation {Failed} cannot boot (worker {Pid}: {Why}); generation {Kept} keeps serving")]
    private partial void LogReloadFailed(int failed, int pid, string why, int kept);

    [LoggerMessage(EventId = EventIds.LoopError, Level = LogLevel.Error, Message = "master loop error")]
    private partial void LogLoopError(Exception exception);
}
