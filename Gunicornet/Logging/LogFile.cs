using Mono.Unix.Native;

namespace Gunicornet.Logging;

/// <summary>
/// An error log file that replaces this process's stderr (descriptor 2), so that everything written
/// to stderr (the log, and the app's own output) lands in it. Workers inherit descriptor 2 from the
/// master; each process reopens the path itself on USR1, which is how logrotate works.
/// </summary>
internal static class LogFile
{
    private const int StderrFd = 2;

    /// <summary>Opens <paramref name="path"/> for appending and puts it in place of stderr.</summary>
    /// <exception cref="IOException">The file cannot be opened; the message says where and why.</exception>
    public static void RedirectStderr(string path)
    {
        var fd = OpenAppend(path, "error log");

        try
        {
            int rc;
            do
            {
                rc = Syscall.dup2(fd, StderrFd);
            }
            while (rc < 0 && Stdlib.GetLastError() == Errno.EINTR);

            if (rc < 0)
            {
                throw new IOException($"Can't redirect stderr to '{path}': {Stdlib.GetLastError()}");
            }
        }
        finally
        {
            Syscall.close(fd);
        }
    }

    /// <summary>
    /// Keeps a copy of the stderr this process started with (a terminal, the journal) before the error
    /// log replaces it, for what the log cannot say where someone is looking: an error that stops the
    /// start, and (said once, by <see cref="StderrWriter"/>) that the error log can no longer be
    /// written. Null when there is none. A daemon lets go of it with the terminal.
    /// </summary>
    public static OriginalStderr? KeepOriginalStderr()
    {
        var copy = Syscall.dup(StderrFd);
        if (copy < 0)
        {
            return null;
        }

        Gunicornet.Posix.FileDescriptors.SetCloseOnExec(copy, closeOnExec: true);
        var original = new OriginalStderr(new Gunicornet.Posix.DescriptorStream(copy, ownsDescriptor: true));
        StderrWriter.Current?.SayFailuresTo(original.Say);
        return original;
    }

    /// <summary>Makes descriptor 1 (stdout) the same file as descriptor 2 (<c>--capture-output</c>).</summary>
    public static void DuplicateStderrOntoStdout()
    {
        int rc;
        do
        {
            rc = Syscall.dup2(StderrFd, 1);
        }
        while (rc < 0 && Stdlib.GetLastError() == Errno.EINTR);

        // Console.Out may already hold a duplicate of the old descriptor 1: point it at the new one.
        var stdout = new Gunicornet.Posix.DescriptorStream(1);
        Console.SetOut(new StreamWriter(stdout, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
    }

    /// <summary>
    /// Opens a log file for appending (created 0644 when missing). O_APPEND: each write(2) lands whole
    /// at the end of the file, so the lines of several processes never overwrite or split each other.
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
}

/// <summary>The stderr a process started with, kept aside when the error log replaced it.</summary>
internal sealed class OriginalStderr(Stream stream)
{
    /// <summary>Writes <paramref name="text"/> (whole lines) in one write; a failure is ignored: nobody is there to tell.</summary>
    public void Say(string text)
    {
        try
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
        catch (IOException)
        {
        }
    }
}
