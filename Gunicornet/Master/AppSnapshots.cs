using System.Globalization;

namespace Gunicornet.Master;

/// <summary>
/// A private copy of the app's code for each generation. A worker memory-maps the assemblies it
/// loads; a deploy that overwrites them in place (<c>cp</c> writes into the same inode) would change
/// the code under a running worker and crash it. Workers load from the snapshot instead, so the
/// running generation never sees the deploy, and a HUP takes a fresh snapshot of the new code.
/// </summary>
/// <remarks>
/// Only code is copied (assemblies, native libraries, symbols and the .json manifests the loader
/// reads). The content root stays the app's own folder: files the app writes or serves there are
/// shared by every generation.
/// </remarks>
internal sealed class AppSnapshots : IDisposable
{
    private static readonly string[] CodeExtensions = [".dll", ".so", ".pdb", ".json", ".dylib"];

    /// <summary>True for a file a snapshot copies: the app's code and its .json configuration.</summary>
    public static bool IsCode(string name) =>
        CodeExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase) || name.Contains(".so.", StringComparison.Ordinal);
    private readonly string _root;

    public AppSnapshots(string root)
    {
        _root = root;
        Directory.CreateDirectory(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The folder that holds every snapshot of this master.</summary>
    public string Root => _root;

    /// <summary>A master's default snapshot folder, private to it: <c>$TMPDIR/gunicornet-PID</c>.</summary>
    public static string DefaultRoot(int pid) =>
        Path.Combine(Path.GetTempPath(), "gunicornet-" + pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Copies the code in the folder of <paramref name="appPath"/> for <paramref name="generation"/>;
    /// returns the path of the assembly in the copy.
    /// </summary>
    /// <exception cref="IOException">The app could not be copied (say, a deploy is half done); the message says why.</exception>
    public string Take(string appPath, int generation)
    {
        var source = Path.GetDirectoryName(appPath)!;
        var target = Path.Combine(_root, "gen-" + generation.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        try
        {
            if (!File.Exists(appPath))
            {
                throw new FileNotFoundException($"{appPath} not found");
            }

            Copy(source, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(target);
            throw new IOException($"Can't copy the app from {source}: {e.Message}", e);
        }

        return Path.Combine(target, Path.GetFileName(appPath));
    }

    /// <summary>
    /// The folder where the workers of every generation share the app's Data Protection keys when the
    /// app keeps them nowhere else (<c>Worker.DataProtectionKeys</c>): private, kept while the master runs.
    /// </summary>
    public string KeysDirectory()
    {
        var path = Path.Combine(_root, "data-protection-keys");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Removes a generation's snapshot once no worker runs from it.</summary>
    public void Drop(int generation) =>
        TryDelete(Path.Combine(_root, "gen-" + generation.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Removes every snapshot.</summary>
    public void Dispose() => TryDelete(_root);

    private static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var name = Path.GetFileName(file);
            if (IsCode(name))
            {
                File.Copy(file, Path.Combine(target, name));
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            // Native libraries (runtimes/) and satellite assemblies (one folder per culture).
            var name = Path.GetFileName(directory);
            if (name is not ("wwwroot" or "node_modules" or ".git"))
            {
                Copy(directory, Path.Combine(target, name));
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left in the temp folder; nothing depends on it any more.
        }
    }
}
