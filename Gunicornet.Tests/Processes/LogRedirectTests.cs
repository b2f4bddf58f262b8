using System.Text.RegularExpressions;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// The server's output redirected by a shell to a plain file (<c>gunicornet ... &gt; out.log 2&gt;&amp;1</c>,
/// opened without O_APPEND): master, workers and the access log share one file, and every line
/// arrives whole, none overwritten.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class LogRedirectTests
{
    [Test]
    public async Task OutputRedirectedToAPlainFile_KeepsEveryLineWhole(CancellationToken ct)
    {
        const int requests = 200;
        using var temp = new TempDirectory("gunicornet-redirect");
        var log = temp.File("out.log");
        var socket = temp.File("s");
        var server = ServerProcess.Start(
            ["-c", "exec \"$0\" \"$@\" > \"$LOG\" 2>&1", Paths.Server, "-b", "unix:" + socket, "-w", "2", "--log-level", "debug", "--access-logfile", "-", "--no-control-socket", Paths.TestApp("testapp")],
            new Dictionary<string, string?> { ["LOG"] = log },
            fileName: "/bin/sh");
        await using var _ = server;
        await Wait.Until(() => ReadyRegex().Count(Text(log)) == 2, TimeSpan.FromSeconds(30), "two ready workers", ct, () => Text(log));

        // Eight at a time, so that both workers and the master write at once.
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
            Assert.That((await Http.GetUnix(socket, $"/pid?n={i}", token)).Status, Is.EqualTo(200)));
        server.Signal(Signal.Term);
        Assert.That(await server.WaitForExit(ct), Is.Zero);

        var lines = File.ReadAllLines(log);
        var broken = lines.Where(l => !ErrorLogRegex().IsMatch(l) && !AccessLogRegex().IsMatch(l)).ToList();
        Assert.That(broken, Is.Empty, "lines that are not whole:\n" + Text(log));
        Assert.That(lines.Count(l => AccessLogRegex().IsMatch(l)), Is.EqualTo(requests), "one access line per request");
        Assert.That(lines[0], Does.Contain("[INFO] Starting gunicornet"));
        Assert.That(lines[^1], Does.Contain("[INFO] Shutting down: Master"));
    }

    private static string Text(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    [GeneratedRegex(@"\[DEBUG\] Worker \d+ ready after")]
    private static partial Regex ReadyRegex();

    [GeneratedRegex(@"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \S.*$")]
    private static partial Regex ErrorLogRegex();

    [GeneratedRegex(@"^\S+ - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""GET /pid\?n=\d+ HTTP/1\.1"" 200 \d+ ""-"" ""-""$")]
    private static partial Regex AccessLogRegex();
}
