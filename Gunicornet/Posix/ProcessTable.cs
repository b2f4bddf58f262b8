namespace Gunicornet.Posix;

/// <summary>What /proc says of other processes.</summary>
internal static class ProcessTable
{
    /// <summary>
    /// True when <paramref name="pid"/> is a live gunicornet process: its command line names
    /// gunicornet (a <c>--name</c> changes what <c>ps</c> shows, not the command line). A PID the
    /// kernel gave to another program since is not.
    /// </summary>
    public static bool IsGunicornet(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("gunicornet", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
