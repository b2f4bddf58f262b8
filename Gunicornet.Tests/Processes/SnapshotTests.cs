using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// The copies of the app each generation runs from: only the app's code is copied, never the temp
/// folder (which may lie inside the app's folder), within a bound; the log says where and how much;
/// the folders of masters that are gone are removed at start.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class SnapshotTests
{
    [Test]
    public async Task AnAppWhoseFolderHoldsTheTempFolderAndData_IsCopiedWithoutEither(CancellationToken ct)
    {
        // gunicornet /tmp/app.dll with TMPDIR=/tmp: the snapshots are made inside the app's folder.
        using var dir = new TempDirectory("gunicornet-snap");
        CopyApp("testapp", dir.Path);
        Directory.CreateDirectory(dir.File("uploads"));
        File.WriteAllBytes(dir.File("uploads/photo.dll"), new byte[5 << 20]);
        File.WriteAllBytes(dir.File("data.db"), new byte[5 << 20]);
        var server = ServerProcess.Start(
            ["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", dir.File("testapp.dll")],
            new Dictionary<string, string?> { ["TMPDIR"] = dir.Path });
        await using var _ = server;
        var url = await server.WaitForListening(ct);
        await server.WaitForReady(1, ct);

        Assert.That((await Http.Get(url, "/json", ct)).Body, Is.EqualTo("{\"library\":\"Newtonsoft.Json\"}"), "its dependency loads from the copy");
        var copied = CopiedRegex().Match(server.Output);
        Assert.That(copied.Success, Is.True, server.Output);
        var folder = copied.Groups[1].Value;
        Assert.That(folder, Is.EqualTo(Path.Combine(dir.Path, $"gunicornet-{server.Pid}", "gen-1")));
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).ToList();
        Assert.That(files, Does.Contain("testapp.dll").And.Contain("testapp.deps.json").And.Contain("Newtonsoft.Json.dll"));
        Assert.That(files.Where(f => f.Contains('/', StringComparison.Ordinal)), Is.Empty, "no subfolder: not uploads/, not the temp folder");
        Assert.That(int.Parse(copied.Groups[2].Value, CultureInfo.InvariantCulture), Is.EqualTo(files.Count));
        Assert.That(double.Parse(copied.Groups[3].Value, CultureInfo.InvariantCulture), Is.LessThan(5), "megabytes copied: the code alone");
    }

    [Test]
    public async Task AnAppFolderFarTooLarge_IsRefusedWithAOneLineError(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-snap");
        CopyApp("testapp", dir.Path);
        using (var big = File.Create(dir.File("huge.dll")))
        {
            // Sparse: the size is counted before anything is copied.
            big.SetLength(1L << 31);
        }

        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "1", dir.File("testapp.dll")]);
        await using var _ = server;

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(1));
        Assert.That(server.Output, Does.Match($@"\[ERROR\] Can't copy the app from {Regex.Escape(dir.Path)}: its code comes to more than 1024 MB \(at .*\), more than any app needs: is APP the app's assembly in the app's own folder\?"));
    }

    [Test]
    public async Task TheFoldersOfMastersThatAreGone_AreRemovedAtStart_ThoseOfLiveMastersKept(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-snap");
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = temp.Path };
        var live = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", Paths.TestApp("testapp")], environment);
        await using var _ = live;
        await live.WaitForReady(1, ct);

        // A master killed with its folder left, and one whose PID now belongs to another program.
        var dead = DeadPid();
        using var other = Process.Start("sleep", "60");
        foreach (var pid in new[] { dead, other.Id })
        {
            Directory.CreateDirectory(Path.Combine(temp.Path, $"gunicornet-{pid}", "gen-1"));
            File.WriteAllBytes(Path.Combine(temp.Path, $"gunicornet-{pid}", "gen-1", "app.dll"), new byte[1 << 20]);
        }

        var next = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", Paths.TestApp("testapp")], environment);
        await using var __ = next;
        await next.WaitForReady(1, ct);
        other.Kill();

        Assert.That(next.Output, Does.Contain($"Removed 2 snapshot folder(s) of masters that are gone from {temp.Path}"));
        Assert.That(Directory.Exists(Path.Combine(temp.Path, $"gunicornet-{dead}")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(temp.Path, $"gunicornet-{other.Id}")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(temp.Path, $"gunicornet-{live.Pid}")), Is.True, "the live master's");
    }

    [Test]
    public async Task AStoppedMaster_RemovesItsFolder(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-snap");
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "1", "--log-level", "debug", Paths.TestApp("testapp")], new Dictionary<string, string?> { ["TMPDIR"] = temp.Path });
        await using var _ = server;
        await server.WaitForReady(1, ct);
        Assert.That(Directory.Exists(Path.Combine(temp.Path, $"gunicornet-{server.Pid}")), Is.True);

        server.Signal(Posix.Signal.Term);
        Assert.That(await server.WaitForExit(ct), Is.Zero);
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty, server.Output);
    }

    /// <summary>A PID no process has now.</summary>
    private static int DeadPid()
    {
        using var process = Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    private static void CopyApp(string name, string to)
    {
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(Paths.TestApp(name))!))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [GeneratedRegex(@"App copied for generation 1: (\S+) \((\d+) files, ([\d.]+) MB\)")]
    private static partial Regex CopiedRegex();
}
