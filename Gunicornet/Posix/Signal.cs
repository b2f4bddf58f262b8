using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>The signals Gunicornet's processes act on (gunicorn's table, see the README).</summary>
internal enum Signal
{
    /// <summary>SIGHUP.</summary>
    Hup,

    /// <summary>SIGINT.</summary>
    Int,

    /// <summary>SIGQUIT.</summary>
    Quit,

    /// <summary>SIGTERM.</summary>
    Term,

    /// <summary>SIGTTIN.</summary>
    Ttin,

    /// <summary>SIGTTOU.</summary>
    Ttou,

    /// <summary>SIGWINCH.</summary>
    Winch,

    /// <summary>SIGUSR1.</summary>
    Usr1,

    /// <summary>SIGUSR2.</summary>
    Usr2,

    /// <summary>SIGKILL (sent, never received).</summary>
    Kill,
}

/// <summary>Names and numbers of <see cref="Signal"/>, and <c>kill(2)</c>.</summary>
internal static class Signals
{
    /// <summary>The lower-case name gunicorn logs, e.g. <c>Handling signal: term</c>.</summary>
    public static string Name(this Signal signal) => signal.ToString().ToLowerInvariant();

    /// <summary>The Mono.Posix signal number.</summary>
    public static Signum ToSignum(this Signal signal) => signal switch
    {
        Signal.Hup => Signum.SIGHUP,
        Signal.Int => Signum.SIGINT,
        Signal.Quit => Signum.SIGQUIT,
        Signal.Term => Signum.SIGTERM,
        Signal.Ttin => Signum.SIGTTIN,
        Signal.Ttou => Signum.SIGTTOU,
        Signal.Winch => Signum.SIGWINCH,
        Signal.Usr1 => Signum.SIGUSR1,
        Signal.Usr2 => Signum.SIGUSR2,
        Signal.Kill => Signum.SIGKILL,
        _ => throw new ArgumentOutOfRangeException(nameof(signal)),
    };

    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="pid"/> with <c>kill(2)</c>
    /// (<c>Process.Kill</c> can only send SIGKILL). Returns false when the process is already gone.
    /// </summary>
    public static bool Send(int pid, Signal signal)
    {
        if (Syscall.kill(pid, signal.ToSignum()) == 0)
        {
            return true;
        }

        var errno = Stdlib.GetLastError();
        if (errno == Errno.ESRCH)
        {
            return false;
        }

        throw new InvalidOperationException($"kill({pid}, {signal.Name()}) failed: {errno}");
    }

    /// <summary>True when a process with this PID exists (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pid) =>
        Syscall.kill(pid, 0) == 0 || Stdlib.GetLastError() == Errno.EPERM;
}
