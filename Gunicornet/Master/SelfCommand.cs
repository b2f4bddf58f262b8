using System.Diagnostics;
using System.Reflection;

namespace Gunicornet.Master;

/// <summary>
/// How to start this program again (unicorn's worker_exec): the apphost or tool shim directly, or
/// <c>dotnet gunicornet.dll</c> when the master itself was started through the <c>dotnet</c> muxer.
/// </summary>
internal static class SelfCommand
{
    /// <summary>The hidden verb that makes the process a worker.</summary>
    public const string WorkerVerb = "worker";

    /// <summary>The file to execute and the arguments that make it a worker (or, with <paramref name="worker"/> false, a master).</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Resolve(bool worker = true)
    {
        var processPath = Environment.ProcessPath
            ?? throw new InvalidOperationException("cannot tell which executable is running");
        var host = Path.GetFileNameWithoutExtension(processPath);
        if (host.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                throw new InvalidOperationException("cannot tell where gunicornet.dll is");
            }

            return (processPath, worker ? [entry, WorkerVerb] : [entry]);
        }

        return (processPath, worker ? [WorkerVerb] : []);
    }

    /// <summary>How to start a worker that runs <paramref name="spec"/>: this program with the worker verb, the app's and the settings' variables and the spec itself in the environment.</summary>
    public static ProcessStartInfo Worker(Ipc.WorkerSpec spec)
    {
        var (fileName, arguments) = Resolve();
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The app's runtime settings first: the operator's -e wins.
        foreach (var pair in spec.AppEnvironment.Concat(spec.Config.Get(Config.Settings.RawEnv)))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..equals]] = pair[(equals + 1)..];
        }

        start.Environment[Ipc.WorkerSpec.EnvironmentVariable] = spec.ToJson();
        return start;
    }
}
