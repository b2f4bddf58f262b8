using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>The process's working directory, named as the user named it.</summary>
internal static class WorkingDirectory
{
    /// <summary>
    /// The working directory by the path the shell knows it by: <c>$PWD</c> when that names the same
    /// directory (a path through a symbolic link such as <c>/srv/app/current</c> stays that path), else
    /// the resolved one. gunicorn does the same, so that a HUP after a deploy that points the link (or
    /// renames a folder into the path) at a new release changes into the new one.
    /// </summary>
    public static string Logical(string? pwd)
    {
        var physical = Directory.GetCurrentDirectory();
        if (pwd is null || !Path.IsPathFullyQualified(pwd)
            || Syscall.stat(pwd, out var named) != 0 || Syscall.stat(".", out var current) != 0)
        {
            return physical;
        }

        return named.st_dev == current.st_dev && named.st_ino == current.st_ino ? pwd : physical;
    }
}
