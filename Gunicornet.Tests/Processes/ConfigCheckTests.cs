using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary><c>--check-config</c> and <c>--print-config</c>: they answer and exit, binding nothing.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class ConfigCheckTests
{
    [Test]
    public async Task CheckConfig_OfAGoodConfigAndApp_SaysSoAndExits0(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", "-w", "3", "-b", "127.0.0.1:1", Paths.TestApp("testapp") + ":TestApp.MainApp");

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Is.EqualTo($"gunicornet: configuration OK; {Paths.TestApp("testapp")}:TestApp.MainApp loads and boots (app TestApp.MainApp)"));
    }

    [TestCase(":TestApp.NotAnApp", "does not implement")]
    [TestCase(":TestApp.Missing", "Missing")]
    public async Task CheckConfig_OfAnAppThatDoesNotLoad_SaysWhyAndExits4(string type, string why, CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", Paths.TestApp("testapp") + type);

        Assert.That(code, Is.EqualTo(4), output);
        Assert.That(output, Does.StartWith("gunicornet: error: App failed to load: ").And.Contain(why));
        Assert.That(output.Split('\n'), Has.Length.EqualTo(1), "one line");
    }

    [Test]
    public async Task CheckConfig_OfAnAppWhoseConfigureThrows_SaysWhyAndExits4(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", Paths.TestApp("testapp") + ":BrokenApp");

        Assert.That(code, Is.EqualTo(4), output);
        Assert.That(output, Is.EqualTo("gunicornet: error: App failed to load: BrokenApp refuses to configure (test fixture)"));
    }

    [Test]
    public async Task CheckConfig_OfTheRazorTemplate_BootsIt(CancellationToken ct)
    {
        var app = await TemplateApps.Get("trazor", "razor");
        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", app.PublishDll);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Is.EqualTo($"gunicornet: configuration OK; {app.PublishDll} loads and boots (the entry point of trazor)"));
    }

    [Test]
    public async Task CheckConfig_OfATemplateAppThatCannotBoot_SaysWhatBootWouldSay(CancellationToken ct)
    {
        // The razor template's publish output without its static assets manifest: MapStaticAssets
        // throws in Main, after the app has loaded, as it did in every worker before workers took the
        // app's own folder as their base directory.
        var app = await TemplateApps.Get("trazor", "razor");
        using var copy = new TempDirectory("gunicornet-check");
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(app.PublishDll)!).Where(f => !f.EndsWith(".staticwebassets.endpoints.json", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        }

        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", copy.File("trazor.dll"));

        Assert.That(code, Is.EqualTo(ExitCodes.WorkerBootError), output);
        Assert.That(output, Does.Match(@"^gunicornet: error: Worker failed to boot: The static resources manifest file '.*trazor\.staticwebassets\.endpoints\.json' was not found\.$"));
    }

    [Test]
    public async Task CheckConfig_OfABadConfig_IsAUsageError(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--check-config", "-w", "0", Paths.TestApp("testapp"));

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--workers: must be at least 1"));
    }

    [Test]
    public async Task PrintConfig_PrintsTheSettingsAfterPrecedence(CancellationToken ct)
    {
        var (code, output) = await Command.Run(ct, Paths.Server, "--print-config", "-w", "3", "--timeout", "5", "app.dll");

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output.Split('\n'), Does.Contain("workers = 3").And.Contain("timeout = 5").And.Contain("bind = ['127.0.0.1:8000']"));
    }
}
