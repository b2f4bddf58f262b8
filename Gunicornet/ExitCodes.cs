namespace Gunicornet;

/// <summary>
/// Process exit codes. The worker codes are a contract with the master (gunicorn's numbers), so that
/// the master can tell a broken app from a crashed worker.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Clean exit.</summary>
    public const int Ok = 0;

    /// <summary>The master could not start: bad configuration, address in use, missing file.</summary>
    public const int Error = 1;

    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>A worker failed to boot for a reason other than the app (e.g. a listener it could not adopt).</summary>
    public const int WorkerBootError = 3;

    /// <summary>A worker could not load or initialise the app.</summary>
    public const int AppLoadError = 4;

    /// <summary>How .NET reports a process killed by SIGKILL (128 + 9), as the shell does.</summary>
    public const int KilledBySigkill = 137;
}
