using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Logging;
using Gunicornet.Posix;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Worker;

/// <summary>The entry point of a worker process (the hidden <c>worker</c> verb).</summary>
internal static partial class WorkerMain
{
    /// <summary>Runs a worker from the spec its master put in the environment.</summary>
    public static int Run()
    {
        // The logging stack (DI, options, the console provider) is the slowest thing before the app
        // loads, about 35 ms of compiling on first use: a spare core compiles it while this thread
        // reads the spec, so the factory below is ready in a fraction of that.
        var warmLogging = Task.Run(WarmLogging);
        var json = Environment.GetEnvironmentVariable(WorkerSpec.EnvironmentVariable);
        if (string.IsNullOrEmpty(json))
        {
            Console.Error.WriteLine("gunicornet: error: 'worker' is internal: the master starts its workers itself; run gunicornet [OPTIONS] APP");
            return ExitCodes.Usage;
        }

        // The app, and any process it starts, has no business with the master's plumbing.
        Environment.SetEnvironmentVariable(WorkerSpec.EnvironmentVariable, null);
        var spec = WorkerSpec.FromJson(json);
        foreach (var fd in spec.ListenFds.Append(spec.ControlReadFd).Append(spec.ControlWriteFd).Where(fd => fd >= 0))
        {
            // Inherited without close-on-exec; a process the app spawns must not hold the listeners
            // (the port would outlive the server) or the pipes.
            FileDescriptors.SetCloseOnExec(fd, closeOnExec: true);
        }

        // A bare LF ends no line here (RFC 9112 §2.2 lets a server refuse it): a proxy in front that
        // reads lines differently could otherwise be made to see other requests than the worker does.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);
        warmLogging.Wait();
        var config = spec.Config;
        var loggers = ErrorLog.CreateFactory(config.Get(Settings.LogLevel));
        using var channel = spec.Check ? WorkerChannel.Detached() : WorkerChannel.Open(spec.ControlReadFd, spec.ControlWriteFd);
        channel.Send(new Booted());
        ProcessName.Set(config.Get(Settings.ProcName));
        if (config.Get(Settings.CaptureOutput) && config.ErrorLogFile is not null)
        {
            // The app's Console.Out writes to descriptor 1, which now is the error log too.
            LogFile.DuplicateStderrOntoStdout();
        }

        Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions? tls;
        try
        {
            // Read while the worker may still read the key; then the privileges go.
            tls = config.Tls is { } settings ? Tls.Load(settings) : null;
            Accounts.DropPrivileges(spec.Uid, spec.Gid, spec.UserName, config.Get(Settings.InitGroups));
        }
        catch (InvalidOperationException e)
        {
            Console.Error.Flush();
            LogBootFailed(loggers.CreateLogger("Gunicornet.Worker"), e.Message);
            loggers.Dispose();
            return ExitCodes.WorkerBootError;
        }

        Directory.SetCurrentDirectory(spec.ContentRoot);
        try
        {
            return new WorkerHost(spec, channel, loggers, tls).Run();
        }
        finally
        {
            loggers.Dispose();
        }
    }

    private static void WarmLogging()
    {
        using var loggers = ErrorLog.CreateFactory("info");
        loggers.CreateLogger("Gunicornet.Worker").IsEnabled(LogLevel.Debug);
    }

    [LoggerMessage(EventId = EventIds.BootFailed, Level = LogLevel.Critical, Message = "{Message}")]
    private static partial void LogBootFailed(ILogger logger, string message);
}
