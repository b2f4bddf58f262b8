using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>The README's first command, <c>scripts/serve</c>: it builds in Release and serves the hello sample unless told another APP.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(600_000)]
public sealed class ServeScriptTests
{
    [Test]
    public async Task WithOptionsButNoApp_ItServesTheHelloSample(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-serve");
        var socket = dir.File("s");
        var server = ServerProcess.Start(
            ["-b", "unix:" + socket, "-w", "2", "--log-level", "debug"],
            fileName: Path.Combine(Paths.Root, "scripts", "serve"));
        await using var _ = server;

        // The first Release build of a clean checkout takes a while.
        await server.WaitForLine(new System.Text.RegularExpressions.Regex("Listening at: unix:"), ct, TimeSpan.FromMinutes(8));
        await server.WaitForReady(2, ct);
        Assert.That((await Http.GetUnix(socket, "/", ct)).Body, Does.Contain("Hello"), server.Output);
    }
}
