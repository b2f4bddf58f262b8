using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>File descriptor flags: what crosses <c>exec</c> into a worker and what does not.</summary>
internal static class FileDescriptors
{
    private const int FD_CLOEXEC = 1;

    /// <summary>
    /// Sets or clears <c>FD_CLOEXEC</c>. .NET opens every descriptor close-on-exec; the master clears
    /// it on the listeners and on each worker's end of its pipes so that they survive the worker's exec.
    /// </summary>
    public static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        int flags;
        do
        {
            flags = Syscall.fcntl(fd, FcntlCommand.F_GETFD);
        }
        while (flags < 0 && Stdlib.GetLastError() == Errno.EINTR);

        if (flags < 0)
        {
            throw new IOException($"fcntl({fd}, F_GETFD) failed: {Stdlib.GetLastError()}");
        }

        var wanted = closeOnExec ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (wanted == flags)
        {
            return;
        }

        int rc;
        do
        {
            rc = Syscall.fcntl(fd, FcntlCommand.F_SETFD, wanted);
        }
        while (rc < 0 && Stdlib.GetLastError() == Errno.EINTR);

        if (rc < 0)
        {
            throw new IOException($"fcntl({fd}, F_SETFD) failed: {Stdlib.GetLastError()}");
        }
    }

    /// <summary>True when <paramref name="fd"/> is an open descriptor of this process.</summary>
    public static bool IsOpen(int fd) => Syscall.fcntl(fd, FcntlCommand.F_GETFD) >= 0;
}
