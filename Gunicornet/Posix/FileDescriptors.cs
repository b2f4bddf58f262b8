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

    /// <summary>dup2(2), retried on EINTR; throws <see cref="IOException"/> with the reason.</summary>
    public static void Duplicate(int from, int to, string what)
    {
        int rc;
        do
        {
            rc = Syscall.dup2(from, to);
        }
        while (rc < 0 && Stdlib.GetLastError() == Errno.EINTR);

        if (rc < 0)
        {
            throw new IOException($"{what}: {Stdlib.GetLastError()}");
        }
    }

    /// <summary>dup(2): a new descriptor for the file of <paramref name="fd"/>, or -1.</summary>
    public static int Duplicate(int fd) => Syscall.dup(fd);

    /// <summary>close(2); a failure is of no use to anyone here.</summary>
    public static void Close(int fd) => Syscall.close(fd);

    /// <summary>
    /// Opens a file for appending (created 0644 when missing), close-on-exec. O_APPEND: each write(2)
    /// lands whole at the end of the file, so the lines of several processes never overwrite or split
    /// each other.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened; the message names it and why.</exception>
    public static int OpenAppend(string path, string what)
    {
        var fd = Syscall.open(
            path,
            OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_APPEND | OpenFlags.O_CLOEXEC,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP | FilePermissions.S_IROTH);
        return fd >= 0 ? fd : throw new IOException($"Can't open {what} '{path}': {Stdlib.GetLastError()}");
    }

    /// <summary>Opens /dev/null for reading and writing.</summary>
    public static int OpenDevNull() => Syscall.open("/dev/null", OpenFlags.O_RDWR);

    /// <summary>write(2) of all of <paramref name="bytes"/> in one call, retried on EINTR; null when it wrote, else why not.</summary>
    public static unsafe string? Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes)
        {
            long written;
            do
            {
                written = Syscall.write(fd, data, (ulong)bytes.Length);
            }
            while (written < 0 && Stdlib.GetLastError() == Errno.EINTR);

            return written < 0 ? Stdlib.GetLastError().ToString() : null;
        }
    }

    /// <summary>The device and inode of the file open as <paramref name="fd"/>, or null when it is not open.</summary>
    public static (ulong Device, ulong Inode)? Identity(int fd) =>
        Syscall.fstat(fd, out var stat) == 0 ? (stat.st_dev, stat.st_ino) : null;

    /// <summary>True when <paramref name="path"/> is a unix socket (not following a link).</summary>
    public static bool IsSocket(string path) =>
        Syscall.lstat(path, out var st) == 0 && (st.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFSOCK;
}
