using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>The process's file mode creation mask, and its session.</summary>
internal static class ProcessMask
{
    /// <summary>Sets the umask to <paramref name="mask"/> until the returned scope is disposed.</summary>
    public static IDisposable Use(int mask) => new Scope((int)Syscall.umask((FilePermissions)mask));

    /// <summary>Starts a session of this process's own, away from its terminal's signals (setsid).</summary>
    public static void NewSession() => Syscall.setsid();

    private sealed class Scope(int old) : IDisposable
    {
        public void Dispose() => Syscall.umask((FilePermissions)old);
    }
}
