using System.Runtime.InteropServices;

namespace Gunicornet.Posix;

/// <summary>Ends this process at once.</summary>
internal static partial class ProcessExit
{
    /// <summary>
    /// <c>_exit(2)</c>: no shutdown handlers run. <c>Environment.Exit</c> runs the runtime's process-exit
    /// handlers, among them the host's, which waits for the requests in flight: a worker told INT or
    /// QUIT (gunicorn's quick stop) must not.
    /// </summary>
    public static void Now(int code) => _exit(code);

    [LibraryImport("libc")]
    private static partial void _exit(int status);
}
