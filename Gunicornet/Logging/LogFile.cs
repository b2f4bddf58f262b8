using Gunicornet.Posix;

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
        var fd = FileDescriptors.OpenAppend(path, "error log");
        try
        {
            FileDescriptors.Duplicate(fd, StderrFd, $"Can't redirect stderr to '{path}'");
        }
        finally
        {
            FileDescriptors.Close(fd);
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
        var copy = FileDescriptors.Duplicate(StderrFd);
        if (copy < 0)
        {
            return null;
        }

        FileDescriptors.SetCloseOnExec(copy, closeOnExec: true);
        var original = new OriginalStderr(new DescriptorStream(copy, ownsDescriptor: true));
        StderrWriter.Current?.SayFailuresTo(original.Say);
        return original;
    }

    /// <summary>Makes descriptor 1 (stdout) the same file as descriptor 2 (<c>--capture-output</c>).</summary>
    public static void DuplicateStderrOntoStdout()
    {
        FileDescriptors.Duplicate(StderrFd, 1, "Can't duplicate stderr onto stdout");

        // Console.Out may already hold a duplicate of the old descriptor 1: point it at the new one.
        var stdout = new DescriptorStream(1);
        Console.SetOut(new StreamWriter(stdout, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
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
