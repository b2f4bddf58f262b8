using System.Diagnostics;
using System.Text.Json;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>The documented seed command: <c>dotnet api.dll seed [--reset]</c>.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SeedCommandTests
{
    [Test]
    public async Task Seed_CreatesTheDatabase_AndResetRestoresTheSeedData(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-seed");
        var database = temp.File("hbnb.db");

        Assert.That(await Seed(database, ct), Is.EqualTo((0, $"seeded {database}")));
        Assert.That(File.Exists(database), Is.True);

        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", Paths.Sample("api")], new Dictionary<string, string?> { ["HBNB_DATABASE"] = database });
        await using (server)
        {
            var url = await server.WaitForListening(ct);
            await server.WaitForReady(1, ct);
            await Http.Send(HttpMethod.Post, url, "/api/v1/states", ct, """{"name": "Extra"}""");
            Assert.That(States(await Http.Get(url, "/api/v1/stats", ct)), Is.EqualTo(9));
        }

        Assert.That((await Seed(database, ct, "--reset")).Code, Is.EqualTo(0));
        var again = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", Paths.Sample("api")], new Dictionary<string, string?> { ["HBNB_DATABASE"] = database });
        await using (again)
        {
            var url = await again.WaitForListening(ct);
            await again.WaitForReady(1, ct);
            Assert.That(States(await Http.Get(url, "/api/v1/stats", ct)), Is.EqualTo(8), "back to the seed data");
        }
    }

    private static int States((int Status, string Body) stats) => JsonDocument.Parse(stats.Body).RootElement.GetProperty("states").GetInt32();

    private static async Task<(int Code, string Output)> Seed(string database, CancellationToken ct, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Paths.Sample("api"), "seed" }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HBNB_DATABASE"] = database;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, output.Trim());
    }
}
