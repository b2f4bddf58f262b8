using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>Workers spawn however gunicornet was started: apphost, <c>dotnet gunicornet.dll</c>, installed tool.</summary>
[TestFixture]
[Category("Process")]
public sealed class LaunchModeTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task ThroughTheDotnetMuxer_WorkersRunTheSameDll(CancellationToken ct)
    {
        var dotnet = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", Paths.Sample("hello")], fileName: dotnet, prefix: [Paths.ServerDll]);
        await using var _ = server;
        var url = await server.WaitForListening(ct);
        await server.WaitForReady(2, ct);

        Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        foreach (var worker in server.LiveWorkers())
        {
            var cmdline = File.ReadAllText($"/proc/{worker}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(cmdline[1..], Is.EqualTo(new[] { Paths.ServerDll, "worker" }));
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task AsAnInstalledDotnetTool_WorkersSpawnThroughTheToolShim(CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("gunicornet-tool").FullName;
        try
        {
            var packages = Path.Combine(work, "packages");
            var tools = Path.Combine(work, "tools");
            await Run(ct, "dotnet", "pack", Path.Combine(Paths.Root, "Gunicornet", "Gunicornet.csproj"), "-c", "Release", "-o", packages, "--nologo");
            await Run(ct, "dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "Gunicornet", "--version", Gunicornet.Master.MasterProcess.Version);

            var shim = Path.Combine(tools, "gunicornet");
            var server = ServerProcess.Start(["-b", "127.0.0.1:0", "-w", "2", "--log-level", "debug", Paths.Sample("hello")], fileName: shim);
            await using var _ = server;
            var url = await server.WaitForListening(ct);
            await server.WaitForReady(2, ct);

            Assert.That((await Http.Get(url, "/", ct)).Body, Does.StartWith("Hello from Gunicornet worker"));
            Assert.That(server.LiveWorkers(), Has.Count.EqualTo(2));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task Run(CancellationToken ct, string file, params string[] args)
    {
        var (code, output) = await Command.Run(ct, file, args);
        Assert.That(code, Is.EqualTo(0), $"{file} {string.Join(" ", args)}\n{output}");
    }
}
