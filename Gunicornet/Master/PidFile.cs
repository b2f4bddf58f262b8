using System.Globalization;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>The master's pidfile: written at start, removed at exit if it still names this process.</summary>
internal sealed class PidFile : IDisposable
{
    private string _path;
    private readonly int _pid;

    private PidFile(string path, int pid)
    {
        _path = path;
        _pid = pid;
    }

    /// <summary>The file's absolute path.</summary>
    public string Path => _path;

    /// <summary>
    /// Writes <paramref name="pid"/> to <paramref name="path"/>. A pidfile naming a live process stops
    /// the start (as in gunicorn); one naming a dead process is stale and is replaced.
    /// </summary>
    public static PidFile Create(string path, int pid)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (ReadPid(full) is { } old && old != pid && Signals.IsAlive(old))
        {
            throw new InvalidOperationException($"Already running on PID {old} (or pid file '{full}' is stale)");
        }

        // As gunicorn: written to a new file beside it, then renamed over it, and 0644 whatever the
        // umask. The new file is created exclusively (O_EXCL, which never follows a symlink), so a
        // link planted under the temporary name in a shared folder cannot redirect a root master's write.
        var temp = $"{full}.{pid.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture) + "\n"));
            }

            File.SetUnixFileMode(temp, options.UnixCreateMode.Value);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }

            throw new InvalidOperationException($"Can't write pid file '{full}': {e.Message}");
        }

        return new PidFile(full, pid);
    }

    /// <summary>The PID a pidfile names, or null when it is missing or holds no number.</summary>
    public static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? pid
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Moves the file (gunicorn's <c>.oldbin</c> during a binary upgrade); false when it was gone.</summary>
    public bool MoveTo(string path)
    {
        try
        {
            File.Move(_path, path, overwrite: true);
            _path = path;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ReadPid(_path) == _pid)
        {
            File.Delete(_path);
        }
    }
}
