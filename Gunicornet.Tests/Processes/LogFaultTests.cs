using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// Logs that cannot be written (a full disk, here /dev/full, whose writes all fail with ENOSPC) or
/// reopened (their folder gone): serving goes on, and the server says so once.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class LogFaultTests
{
    [Test]
    public async Task AnErrorLogOnAFullDisk_IsSaidOnceOnTheOriginalStderr_AndServingGoesOn(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-logfault");
        var socket = temp.File("s");
        var server = ServerProcess.Start(["-b", "unix:" + socket, "-w", "1", "--log-level", "debug", "--error-logfile", "/dev/full", Paths.TestApp("testapp")]);
        await using var _ = server;
        await Wait.Until(() => Http.ServesUnix(socket, ct), TimeSpan.FromSeconds(30), "an answer on the socket", ct, () => server.Output);
        var first = ProcessInfo.ChildrenOf(server.Pid).Single();

        for (var i = 0; i < 20; i++)
        {
            Assert.That((await Http.GetUnix(socket, "/slow?ms=0&tag=x", ct)).Status, Is.EqualTo(200));
        }

        // A reload: the master logs a dozen more lines, all lost, and serves from a new worker.
        server.Signal(Signal.Hup);
        await Wait.Until(() => ProcessInfo.ChildrenOf(server.Pid) is [var only] && only != first && Http.ServesUnix(socket, ct), TimeSpan.FromSeconds(30), "the reloaded worker serving", ct, () => server.Output);

        var said = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(said, Has.Length.EqualTo(1), server.Output);
        Assert.That(said[0], Does.Match($@"^\[.*\] \[{server.Pid}\] \[ERROR\] Can't write the error log \(No space left on device\); its lines are dropped until it can be written, serving goes on$"));
    }

    [Test]
    public async Task AnAccessLogOnAFullDisk_IsSaidOnceInTheErrorLog_AndEveryRequestIsServed(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--access-logfile", "/dev/full");
        await using var _ = server;

        for (var i = 0; i < 30; i++)
        {
            Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        }

        // The writer drains its queue every 10 ms; the failure is said by the time the worker stops.
        server.Signal(Signal.Term);
        Assert.That(await server.WaitForExit(ct), Is.Zero);
        Assert.That(Regex.Matches(server.Output, @"\[ERROR\] Can't write the access log \(ENOSPC\); its lines are dropped until it can be written, serving goes on").Count, Is.EqualTo(1), server.Output);
    }

    [Test]
    public async Task AnErrorLogThatCannotBeReopened_KeepsTheOldFile_AndServingGoesOn(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-logfault");
        var socket = temp.File("s");
        var logs = temp.File("logs");
        Directory.CreateDirectory(logs);
        var log = Path.Combine(logs, "error.log");
        var server = ServerProcess.Start(["-b", "unix:" + socket, "-w", "1", "--log-level", "debug", "--error-logfile", log, Paths.TestApp("testapp")]);
        await using var _ = server;
        await Wait.Until(() => Read(log).Contains("ready after", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "a ready worker in the log", ct, () => Read(log) + server.Output);

        // The folder goes away (a mistaken cleanup): USR1 cannot create the file again.
        var moved = temp.File("logs.old");
        Directory.Move(logs, moved);
        var old = Path.Combine(moved, "error.log");
        server.Signal(Signal.Usr1);
        await Wait.Until(() => Regex.Matches(Read(old), "Can't open error log .*; logging goes on to the old file").Count == 2, TimeSpan.FromSeconds(10), "master and worker to say so", ct, () => Read(old));

        Assert.That((await Http.GetUnix(socket, "/slow?ms=0&tag=after-reopen", ct)).Status, Is.EqualTo(200));
        await Wait.Until(() => Read(old).Contains("slow-started after-reopen", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the app's line in the old file", ct, () => Read(old));
        Assert.That(Directory.Exists(logs), Is.False, "nothing recreated the folder");
        Assert.That(server.Output, Is.Empty, "nothing on stderr: the log still works");
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
