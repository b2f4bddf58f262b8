using System.Globalization;

namespace Gunicornet.Tests.Support;

/// <summary>What /proc says about a process.</summary>
internal static class ProcessInfo
{
    /// <summary>The parent PID, or null when the process is gone (or a zombie waiting to be reaped).</summary>
    public static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // Fields after the command name, which is in parentheses and may contain spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The live (not zombie) child processes of <paramref name="pid"/>: a master's workers.</summary>
    public static List<int> ChildrenOf(int pid) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
            .Where(p => p > 0 && ParentOf(p) == pid)
            .ToList();

    /// <summary>True when the process is alive (not a zombie).</summary>
    public static bool IsAlive(int pid) => ParentOf(pid) is not null;

    /// <summary>True when <paramref name="pid"/> is alive and runs gunicornet (so a test never kills a reused PID).</summary>
    public static bool IsGunicornet(int pid)
    {
        try
        {
            return IsAlive(pid) && File.ReadAllText($"/proc/{pid}/cmdline").Contains("gunicornet", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The resident memory of <paramref name="pid"/> in kB (VmRSS).</summary>
    public static long RssKb(int pid) =>
        File.ReadLines($"/proc/{pid}/status")
            .Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture))
            .Single();

    /// <summary>The names of a process's threads (<c>/proc/PID/task/*/comm</c>); empty once it is gone.</summary>
    public static List<string> ThreadNames(int pid)
    {
        var names = new List<string>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    names.Add(File.ReadAllText(Path.Combine(task, "comm")).Trim());
                }
                catch (IOException)
                {
                    // That thread ended meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The process is gone.
        }

        return names;
    }
}
