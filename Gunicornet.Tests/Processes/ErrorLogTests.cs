using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>The error log's levels and format: --log-level filters Gunicornet's own lines; the app's ILogger lines come in the same format at the app's levels.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class ErrorLogTests
{
    [Test]
    public async Task LogLevelWarning_KeepsGunicornetsWarnings_AndDropsItsInformation(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-errorlog");
        var socket = dir.File("s");
        var server = ServerProcess.Start(["-b", "unix:" + socket, "-w", "1", "--log-level", "WARNING", "-k", "sync", Paths.TestApp("testapp")]);
        await using var _ = server;
        await Wait.Until(() => File.Exists(socket) && Http.ServesUnix(socket, ct), TimeSpan.FromSeconds(30), "an answer", ct, () => server.Output);

        Assert.That(server.Output, Does.Contain("[WARNING] -k has no effect here"));
        Assert.That(server.Output, Does.Not.Contain("[INFO]").And.Not.Contain("[DEBUG]"), "Gunicornet's own information and debug lines are filtered");
    }

    [Test]
    public async Task TheAppsILoggerLines_AreInGunicornsFormat_AtTheAppsOwnLevels(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct);
        await using var _ = server;
        var worker = server.LiveWorkers().Single();

        await Http.Get(url, "/log?text=hello", ct);

        var line = await server.WaitForLine(AppLineRegex(), ct);
        Assert.That(line.Groups[1].Value, Is.EqualTo(worker.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the worker's PID");
        Assert.That(server.Output, Does.Not.Contain("app whispers hello"), "the app's Debug is below its own level (Information by default), whatever --log-level says");
    }

    [GeneratedRegex(@"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[(\d+)\] \[INFO\] app says hello$")]
    private static partial Regex AppLineRegex();
}
