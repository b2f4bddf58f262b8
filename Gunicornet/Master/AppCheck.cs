using System.Diagnostics;
using System.Text.RegularExpressions;
using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Worker;

namespace Gunicornet.Master;

/// <summary>
/// <c>--check-config</c>: the configuration was read without error; now the app must load and boot as
/// a worker boots it. One worker process is started without sockets: it loads the app (its assembly,
/// its dependencies, its app type or entry point), runs its startup (the app's <c>Main</c> or
/// <c>Configure</c>, its hosted services' start) up to the request pipeline a server would take,
/// serves nothing, and stops. What fails there would stop every worker at boot.
/// </summary>
internal static partial class AppCheck
{
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    /// <summary>Checks; prints one line, and returns the exit code (0, or 1, 3, 4 as a start would).</summary>
    public static int Run(ServerConfig config)
    {
        if (config.Get(Settings.Chdir) is { } chdir)
        {
            Directory.SetCurrentDirectory(chdir);
        }

        var app = MasterProcess.ResolveApp(config);
        if (MasterProcess.MissingApp(config, app) is { } missing)
        {
            MasterProcess.Fail(missing);
            return ExitCodes.AppLoadError;
        }

        if (MasterProcess.Prerequisites(config) is { } problem)
        {
            return MasterProcess.Fail(problem);
        }

        string what;
        try
        {
            what = AppLoader.Load(app) switch
            {
                WebAppType web => $"app {web.Type.FullName}",
                EntryPointApp entry => $"the entry point of {entry.Assembly.GetName().Name}",
                _ => "the app",
            };
        }
        catch (AppLoadException e)
        {
            MasterProcess.Fail($"App failed to load: {e.Message}");
            return ExitCodes.AppLoadError;
        }

        var (uid, gid, userName) = Posix.Accounts.Resolve(config.Get(Settings.User), config.Get(Settings.Group));
        var spec = Generations.ForApp(config, app, uid, gid, userName) with { Check = true };
        var limit = config.Get(Settings.BootTimeout) > 0 ? config.Seconds(Settings.BootTimeout) : DefaultLimit;
        var (code, output) = Boot(spec, limit);
        if (code == ExitCodes.Ok)
        {
            Console.Out.WriteLine($"gunicornet: configuration OK; {config.App} loads and boots ({what})");
            return ExitCodes.Ok;
        }

        if (Logging.ErrorLog.Level(config.Get(Settings.LogLevel)) <= Microsoft.Extensions.Logging.LogLevel.Debug)
        {
            Console.Error.Write(output);
        }

        MasterProcess.Fail(code is null
            ? $"App failed to boot: not started within {limit.TotalSeconds:0} s (--boot-timeout)"
            : FirstError(output) ?? $"App failed to boot: the worker exited with code {code}");
        return code is ExitCodes.WorkerBootError ? ExitCodes.WorkerBootError : ExitCodes.AppLoadError;
    }

    /// <summary>Runs a checking worker; its exit code (null when it outran <paramref name="limit"/>) and what it printed.</summary>
    private static (int? Code, string Output) Boot(WorkerSpec spec, TimeSpan limit)
    {
        var start = SelfCommand.Worker(spec);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var worker = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = worker.StandardOutput.ReadToEndAsync();
        var stderr = worker.StandardError.ReadToEndAsync();
        if (!worker.WaitForExit(limit))
        {
            worker.Kill(entireProcessTree: true);
            worker.WaitForExit();
            return (null, stderr.Result + stdout.Result);
        }

        return (worker.ExitCode, stderr.Result + stdout.Result);
    }

    /// <summary>The message of the worker's first error line, without its time and PID.</summary>
    private static string? FirstError(string output) =>
        output.Split('\n').Select(l => ErrorLineRegex().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    [GeneratedRegex(@"^\[[^\]]*\] \[\d+\] \[(?:ERROR|CRITICAL)\] (.+)$")]
    private static partial Regex ErrorLineRegex();
}
