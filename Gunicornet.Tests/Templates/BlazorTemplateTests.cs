using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Templates;

/// <summary>
/// The SDK's <c>blazor</c> template, unmodified, in headless Chromium under <c>gunicornet</c> with the
/// access log on: interactive server rendering (a SignalR circuit per page) and WebAssembly.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(900_000)]
public sealed class BlazorTemplateTests
{
    private Browser _chromium = null!;

    [OneTimeSetUp]
    public void StartBrowser() => _chromium = new Browser();

    [OneTimeTearDown]
    public void StopBrowser() => _chromium?.Dispose();

    [TestCase(2)]
    [TestCase(4)]
    public async Task BlazorServer_TwentyPageLoads_TwentyWorkingCounters(int workers, CancellationToken ct)
    {
        var app = await TemplateApps.Get("tblazor", "blazor");
        var (server, url) = await ServerProcess.StartReady(app.PublishDll, workers, ct, "--access-logfile", "-");
        await using var _ = server;

        var working = 0;
        for (var i = 0; i < 20; i++)
        {
            if (CounterCounts(new Uri(url, "/counter"), TimeSpan.FromSeconds(10)))
            {
                working++;
            }
        }

        Assert.That(working, Is.EqualTo(20), "page loads whose counter worked");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task BlazorServer_PagesRenderWithTheirAssets_StreamTheWeather_AndCount(bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get("tblazor", "blazor");
        using var log = new TempDirectory("gunicornet-blazor");
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, [.. AsUsersRunIt(app, published), "--access-logfile", log.File("access.log")]);
        await using var _ = server;
        var driver = _chromium.Driver;

        Assert.That(PageChecks.Open(driver, url), Is.EqualTo("Home"));
        Assert.That(driver.FindElement(By.TagName("h1")).Text, Is.EqualTo("Hello, world!"));
        PageChecks.Open(driver, new Uri(url, "/weather"));
        Assert.That(PageChecks.WaitFor(driver, () => driver.FindElements(By.CssSelector("table tbody tr")).Count == 5, TimeSpan.FromSeconds(10)), Is.True, "the streamed forecast: " + driver.PageSource);
        Assert.That(CounterCounts(new Uri(url, "/counter"), TimeSpan.FromSeconds(10)), Is.True, "the counter counts");
        _chromium.SaveScreenshot($"tblazor-{(published ? "publish" : "build")}.png", "the blazor template's counter");
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task BlazorWebAssembly_RunsItsCounterInTheBrowser(bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get("tblazorwasm", "blazor", "--interactivity", "WebAssembly");
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, [.. AsUsersRunIt(app, published), "--access-logfile", "-"]);
        await using var _ = server;

        Assert.That(CounterCounts(new Uri(url, "/counter"), TimeSpan.FromSeconds(60)), Is.True, "the counter counts in WebAssembly");
        PageChecks.AssertAssetsLoaded(_chromium.Driver);
        Assert.That(server.Output, Does.Contain("GET /_framework/dotnet."), "the runtime came from the server");
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));
    }

    /// <summary>Build output runs as `dotnet run` runs it: from the project folder, in Development.</summary>
    private static string[] AsUsersRunIt(TemplateApp app, bool published) =>
        published ? [] : ["--chdir", app.ProjectDirectory, "-e", "ASPNETCORE_ENVIRONMENT=Development"];

    /// <summary>
    /// Loads the counter page and clicks as a person would once the page answers: true when each of
    /// three clicks counts. A click before the circuit is up does nothing, so the first is repeated
    /// until it counts (or <paramref name="within"/> passes).
    /// </summary>
    private bool CounterCounts(Uri page, TimeSpan within)
    {
        _chromium.Driver.Navigate().GoToUrl(page.ToString());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Count() == 0)
        {
            if (clock.Elapsed > within)
            {
                return false;
            }

            Click();
            WaitFor(() => Count() != 0, TimeSpan.FromMilliseconds(300));
        }

        var start = Count();
        for (var i = 1; i <= 3; i++)
        {
            Click();
            var wanted = start + i;
            if (!WaitFor(() => Count() == wanted, TimeSpan.FromSeconds(5)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The count shown now; the circuit re-renders the page, so elements are looked up each time.</summary>
    private int Count() => Fresh(() =>
    {
        var text = _chromium.Driver.FindElement(By.CssSelector("p[role=status]")).Text;
        return int.Parse(text["Current count: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    });

    private void Click() => Fresh(() =>
    {
        _chromium.Driver.FindElement(By.CssSelector("button.btn-primary")).Click();
        return 0;
    });

    private static T Fresh<T>(Func<T> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (StaleElementReferenceException) when (attempt < 10)
            {
                // Replaced between lookup and use: look it up again.
            }
        }
    }

    private bool WaitFor(Func<bool> condition, TimeSpan within)
    {
        try
        {
            new WebDriverWait(_chromium.Driver, within) { PollingInterval = TimeSpan.FromMilliseconds(20) }.Until(_ => condition());
            return true;
        }
        catch (WebDriverTimeoutException)
        {
            return false;
        }
    }
}
