using System.Globalization;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>Users and groups: resolving <c>--user</c>/<c>--group</c>, and dropping a worker's privileges to them.</summary>
internal static partial class Accounts
{
    /// <summary>True when this process runs as root (its effective uid is 0).</summary>
    public static bool IsRoot => Syscall.geteuid() == 0;

    /// <summary>Resolves a user name or uid; <paramref name="gid"/> is the user's own group (or the uid's, for an unknown uid: gid = uid is not assumed, -1).</summary>
    public static bool TryResolveUser(string user, out uint uid, out long gid, out string? error)
    {
        error = null;
        gid = -1;
        var entry = Syscall.getpwnam(user);
        if (entry is not null)
        {
            uid = entry.pw_uid;
            gid = entry.pw_gid;
            return true;
        }

        if (uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            // A numeric uid need not have an entry in /etc/passwd, as in gunicorn.
            if (Syscall.getpwuid(uid) is { } byId)
            {
                gid = byId.pw_gid;
            }

            return true;
        }

        error = $"no such user '{user}'";
        return false;
    }

    /// <summary>Resolves a group name or gid.</summary>
    public static bool TryResolveGroup(string group, out uint gid, out string? error)
    {
        error = null;
        if (Syscall.getgrnam(group) is { } entry)
        {
            gid = entry.gr_gid;
            return true;
        }

        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
        {
            return true;
        }

        error = $"no such group '{group}'";
        return false;
    }

    /// <summary>The uid and gid a worker runs as, from <c>--user</c> and <c>--group</c>; null members keep the current ones.</summary>
    public static (uint? Uid, uint? Gid, string? UserName) Resolve(string? user, string? group)
    {
        uint? uid = null;
        uint? gid = null;
        string? name = null;
        if (user is not null && TryResolveUser(user, out var u, out var ownGid, out _))
        {
            uid = u;
            name = Syscall.getpwuid(u)?.pw_name;
            if (ownGid >= 0)
            {
                gid = (uint)ownGid;
            }
        }

        if (group is not null && TryResolveGroup(group, out var g, out _))
        {
            gid = g;
        }

        return (uid, gid, name);
    }

    /// <summary>
    /// Drops to <paramref name="gid"/> and <paramref name="uid"/>, groups first (after setuid a process
    /// may no longer change them); the supplementary groups become the user's (initgroups) or none.
    /// </summary>
    /// <exception cref="InvalidOperationException">A call failed; the message says which and why.</exception>
    public static void DropPrivileges(uint? uid, uint? gid, string? userName, bool initGroups)
    {
        if (gid is { } g)
        {
            if (initGroups && userName is not null)
            {
                Check(initgroups(userName, g), $"initgroups({userName})");
            }
            else if (Syscall.getuid() == 0)
            {
                Check(setgroups(0, IntPtr.Zero), "setgroups()");
            }

            Check(setgid(g), $"setgid({g})");
        }

        if (uid is { } u)
        {
            Check(setuid(u), $"setuid({u})");
        }
    }

    /// <summary>
    /// Gives <paramref name="path"/> (and, for a directory, everything in it) to the workers' user, so
    /// that they can read what the master prepared for them and write the files they reopen.
    /// </summary>
    /// <exception cref="IOException">chown failed; the message names the path.</exception>
    public static void Chown(string path, uint? uid, uint? gid, bool recursive = true)
    {
        if (uid is null && gid is null)
        {
            return;
        }

        var paths = recursive && Directory.Exists(path)
            ? Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Prepend(path)
            : [path];
        foreach (var entry in paths)
        {
            if (Syscall.chown(entry, uid ?? uint.MaxValue, gid ?? uint.MaxValue) != 0)
            {
                throw new IOException($"Can't give '{entry}' to the workers' user: {Stdlib.GetLastError()}");
            }
        }
    }

    /// <summary>True when <paramref name="path"/> belongs to this process's effective user (lstat: a link is judged as itself).</summary>
    public static bool OwnedByMe(string path) =>
        Syscall.lstat(path, out var status) == 0 && status.st_uid == Syscall.geteuid();

    private static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"{call} failed: {(Errno)Marshal.GetLastPInvokeError()}");
        }
    }

    // Called directly from libc: setuid and setgid apply to every thread of the process there (glibc
    // broadcasts them), which is what a multithreaded .NET process needs.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int setuid(uint uid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgroups(nuint size, IntPtr list);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int initgroups(string user, uint group);
}
