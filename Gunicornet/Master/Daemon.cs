using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>
/// <c>--daemon</c>. .NET cannot fork, so the command starts itself again as the daemon, in a new
/// session, and waits only until the daemon has bound its sockets: an error before that (a port in
/// use, a bad certificate) still reaches the terminal and the exit code. Then the daemon lets go of
/// the terminal (descriptors 0, 1 and 2 onto /dev/null, unless 2 is the error log) and the command exits 0.
/// </summary>
internal static class Daemon
{
    /// <summary>The variable that tells the daemon which descriptor to report "bound" on.</summary>
    public const string ReadyFdVariable = "GUNICORNET_DAEMON_READY_FD";

    /// <summary>True in the process started as the daemon.</summary>
    public static bool IsDaemon => Environment.GetEnvironmentVariable(ReadyFdVariable) is not null;

    /// <summary>In the command: starts the daemon and returns the exit code to leave with.</summary>
    public static int Launch(IReadOnlyList<string> arguments)
    {
        using var ready = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        var self = SelfCommand.Resolve(worker: false);
        var start = new ProcessStartInfo(self.FileName) { UseShellExecute = false };
        foreach (var argument in self.Arguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ReadyFdVariable] = ready.GetClientHandleAsString();
        using var daemon = Process.Start(start)!;
        ready.DisposeLocalCopyOfClientHandle();
        using var reader = new StreamReader(ready);
        if (reader.ReadLine() == "ready")
        {
            return ExitCodes.Ok;
        }

        // The daemon exited before it was bound; it said why on the terminal.
        daemon.WaitForExit();
        return daemon.ExitCode;
    }

    private static readonly List<(ulong Device, ulong Inode)> Terminal = [];

    /// <summary>
    /// In the daemon, first thing: a session of its own, away from the terminal's signals; and a note
    /// of what descriptors 0, 1 and 2 are, to let go of every copy of them once bound.
    /// </summary>
    public static void Detach()
    {
        ProcessMask.NewSession();
        for (var fd = 0; fd <= 2; fd++)
        {
            if (FileDescriptors.Identity(fd) is { } file)
            {
                Terminal.Add(file);
            }
        }
    }

    /// <summary>In the daemon, once bound: tells the command, and lets go of the terminal.</summary>
    public static void Bound(bool stderrIsLogFile)
    {
        var fd = int.Parse(Environment.GetEnvironmentVariable(ReadyFdVariable)!, CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(ReadyFdVariable, null);
        var devNull = FileDescriptors.OpenDevNull();
        FileDescriptors.Duplicate(devNull, 0, "stdin to /dev/null");
        FileDescriptors.Duplicate(devNull, 1, "stdout to /dev/null");
        if (!stderrIsLogFile)
        {
            FileDescriptors.Duplicate(devNull, 2, "stderr to /dev/null");
        }


        // The runtime keeps duplicates of the descriptors it started with (Console's streams among
        // them): a pipe the command's caller reads to its end would never end. Every copy of them
        // becomes /dev/null too.
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var copy)
                && copy != devNull
                && FileDescriptors.Identity(copy) is { } file
                && Terminal.Contains(file))
            {
                FileDescriptors.Duplicate(devNull, copy, "a copy of the terminal to /dev/null");
            }
        }

        FileDescriptors.Close(devNull);
        using var ready = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write);
        ready.Write("ready\n"u8);
    }
}
