using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gunicornet.Master;

/// <summary>What one snapshot holds: where, how many files, how many bytes.</summary>
internal sealed record Snapshot(string AppPath, int Files, long Bytes);

/// <summary>
/// A private copy of the app's code for each generation. A worker memory-maps the assemblies it
/// loads; a deploy that overwrites them in place (<c>cp</c> writes into the same inode) would change
/// the code under a running worker and crash it. Workers load from the snapshot instead, so the
/// running generation never sees the deploy, and a HUP takes a fresh snapshot of the new code.
/// </summary>
/// <remarks>
/// A snapshot copies what the runtime loads from the app's folder and nothing else: the code files
/// (assemblies, native libraries, symbols, the <c>.json</c> manifests: deps, runtimeconfig, static web
/// assets) at the top of the folder, and in the subfolders its <c>.deps.json</c> places assets in
/// (<c>runtimes/</c> for native and platform-specific assemblies, one folder per culture for
/// satellite assemblies), plus <c>refs/</c> for runtime Razor compilation. Data the app keeps beside
/// its code (a database, uploads, logs, <c>wwwroot/</c>) stays where it is and is shared by every
/// generation: the content root and <c>AppContext.BaseDirectory</c> are the app's own folder. A
/// snapshot larger than <see cref="Limit"/> is refused: no app's code comes near it.
/// </remarks>
internal sealed partial class AppSnapshots : IDisposable
{
    /// <summary>The most a snapshot copies.</summary>
    public const long Limit = 1L << 30;

    private static readonly string[] CodeExtensions = [".dll", ".so", ".pdb", ".json", ".dylib"];
    private readonly string _root;

    public AppSnapshots(string root)
    {
        _root = root;
        Directory.CreateDirectory(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The folder that holds every snapshot of this master.</summary>
    public string Root => _root;

    /// <summary>True for a file a snapshot copies: the app's code and its .json manifests.</summary>
    public static bool IsCode(string name) =>
        CodeExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase) || name.Contains(".so.", StringComparison.Ordinal);

    /// <summary>A master's default snapshot folder, private to it: <c>$TMPDIR/gunicornet-PID</c>.</summary>
    public static string DefaultRoot(int pid) =>
        Path.Combine(Path.GetTempPath(), "gunicornet-" + pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Removes the snapshot folders (<c>$TMPDIR/gunicornet-PID</c>) of masters that are gone (killed, or
    /// a machine restarted without clearing its temp folder), and only this user's; returns how many
    /// folders and bytes went. A folder whose master still runs (the old one during a USR2 upgrade,
    /// another server) is kept.
    /// </summary>
    public static (int Folders, long Bytes) RemoveStale(string tempDirectory, Func<int, bool> masterRuns)
    {
        var (folders, bytes) = (0, 0L);
        foreach (var folder in Directory.EnumerateDirectories(tempDirectory, "gunicornet-*"))
        {
            var match = RootRegex().Match(Path.GetFileName(folder));
            if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || masterRuns(pid) || !Posix.Accounts.OwnedByMe(folder))
            {
                continue;
            }

            var size = SizeOf(folder);
            if (TryDelete(folder))
            {
                (folders, bytes) = (folders + 1, bytes + size);
            }
        }

        return (folders, bytes);
    }

    /// <summary>Copies the app's code for <paramref name="generation"/>; returns what the copy holds.</summary>
    /// <exception cref="IOException">The app could not be copied (a deploy half done, a folder far too big); the message says why.</exception>
    public Snapshot Take(string appPath, int generation)
    {
        var source = Path.GetDirectoryName(appPath)!;
        var target = Path.Combine(_root, "gen-" + generation.ToString(CultureInfo.InvariantCulture));
        TryDelete(target);
        try
        {
            if (!File.Exists(appPath))
            {
                throw new FileNotFoundException($"{appPath} not found");
            }

            var copy = new Copy(source, target, _root);
            copy.Files(source, target);
            foreach (var folder in AssetFolders(appPath).Append("refs"))
            {
                copy.Tree(Path.Combine(source, folder), Path.Combine(target, folder));
            }

            return new Snapshot(Path.Combine(target, Path.GetFileName(appPath)), copy.Count, copy.Bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(target);
            throw new IOException($"Can't copy the app from {source}: {e.Message}", e);
        }
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

    /// <summary>
    /// The subfolders the app's <c>.deps.json</c> puts assets in: <c>runtimes</c> (assets for other
    /// platforms) and each satellite assembly's culture. Without a deps.json, <c>runtimes</c> alone.
    /// </summary>
    internal static IEnumerable<string> AssetFolders(string appPath)
    {
        var folders = new SortedSet<string>(StringComparer.Ordinal) { "runtimes" };
        try
        {
            using var deps = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(appPath, ".deps.json")));
            if (deps.RootElement.TryGetProperty("targets", out var targets))
            {
                foreach (var library in targets.EnumerateObject().SelectMany(t => t.Value.EnumerateObject()))
                {
                    if (library.Value.TryGetProperty("resources", out var resources))
                    {
                        foreach (var resource in resources.EnumerateObject())
                        {
                            if (resource.Value.TryGetProperty("locale", out var locale) && locale.GetString() is { Length: > 0 } culture
                                && culture.IndexOfAny(['/', '\\']) < 0 && culture is not ("." or ".."))
                            {
                                folders.Add(culture);
                            }
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            // No deps.json (a library built without one) or one that cannot be read: the loader finds
            // what it finds beside the assembly.
        }

        return folders;
    }

    private static long SizeOf(string folder)
    {
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left in the temp folder; nothing depends on it any more, and a later start removes it.
            return false;
        }
    }

    [GeneratedRegex(@"^gunicornet-(\d+)$")]
    private static partial Regex RootRegex();

    /// <summary>One snapshot's copying: counts files and bytes, refuses to pass <see cref="Limit"/> or to enter the snapshots' own folder.</summary>
    private sealed class Copy(string source, string target, string snapshotsRoot)
    {
        public int Count { get; private set; }

        public long Bytes { get; private set; }

        /// <summary>The code files directly in <paramref name="from"/>.</summary>
        public void Files(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.EnumerateFiles(from))
            {
                var name = Path.GetFileName(file);
                if (!IsCode(name))
                {
                    continue;
                }

                Bytes += new FileInfo(file).Length;
                if (Bytes > Limit)
                {
                    throw new IOException(
                        $"its code comes to more than {Limit >> 20} MB (at {file}), more than any app needs: is APP the app's assembly in the app's own folder?");
                }

                File.Copy(file, Path.Combine(to, name));
                Count++;
            }
        }

        /// <summary>The code files in <paramref name="from"/> and its subfolders, when it exists.</summary>
        public void Tree(string from, string to)
        {
            if (!Directory.Exists(from) || Inside(snapshotsRoot, from) || Inside(from, snapshotsRoot) || Inside(target, from))
            {
                return;
            }

            Files(from, to);
            foreach (var folder in Directory.EnumerateDirectories(from))
            {
                Tree(folder, Path.Combine(to, Path.GetFileName(folder)));
            }
        }

        private static bool Inside(string folder, string path)
        {
            var relative = Path.GetRelativePath(Path.GetFullPath(folder), Path.GetFullPath(path));
            return relative == "." || !(relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative));
        }

        public override string ToString() => $"{source} -> {target}";
    }
}
