using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// The HBNB page through nginx in headless Chromium (Debian's chromium and chromium-driver, driven by
/// Selenium): the status circle, the places from the API, the amenity filter, the reviews.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(180_000)]
public sealed class BrowserTests
{
    private HbnbDeployment _deployment = null!;
    private TempDirectory _profile = null!;
    private ChromeDriver _browser = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _deployment = await HbnbDeployment.Start();
        _profile = new TempDirectory("gunicornet-chromium");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };

        // No network here: Chromium must not try its own services.
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
            $"--user-data-dir={_profile.Path}");
        _browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        _profile?.Dispose();
        await _deployment.DisposeAsync();
    }

    [Test]
    public void ThePage_ShowsTheApiStatus_ThePlaces_FiltersByAmenity_AndShowsAndHidesReviews()
    {
        var wait = new WebDriverWait(_browser, TimeSpan.FromSeconds(20));
        _browser.Navigate().GoToUrl(new Uri(_deployment.Url, "/101-hbnb").ToString());

        wait.Until(b => b.FindElement(By.Id("api_status")).GetAttribute("class")!.Contains("available", StringComparison.Ordinal));
        wait.Until(b => b.FindElements(By.CssSelector("section.places article")).Count == 10);

        // Check "Pool" as a person does: hover the amenities box to open it, click the box.
        new Actions(_browser).MoveToElement(_browser.FindElement(By.CssSelector(".filters .amenities"))).Perform();
        var pool = _browser.FindElement(By.CssSelector("input.amenity[data-name='Pool']"));
        wait.Until(_ => pool.Displayed);
        pool.Click();
        Assert.That(_browser.FindElement(By.CssSelector(".amenities h4")).Text, Is.EqualTo("Pool"));
        _browser.FindElement(By.CssSelector(".filters button")).Click();
        wait.Until(b => b.FindElements(By.CssSelector("section.places article")).Count == 3);
        var names = _browser.FindElements(By.CssSelector("section.places article .title_box h2")).Select(e => e.Text).ToList();
        Assert.That(names, Is.EquivalentTo(new[] { "Desert house", "Napa cottage", "Strip apartment" }));

        var first = _browser.FindElement(By.CssSelector("section.places article"));
        var toggle = first.FindElement(By.CssSelector(".reviews span"));
        Assert.That(toggle.Text, Is.EqualTo("show"));
        toggle.Click();
        wait.Until(_ => first.FindElements(By.CssSelector(".reviews li")).Count >= 1 && toggle.Text == "hide");
        Assert.That(first.FindElement(By.CssSelector(".reviews li p")).Text, Is.Not.Empty);
        SaveScreenshot("hbnb-101.png");
        toggle.Click();
        wait.Until(_ => first.FindElements(By.CssSelector(".reviews li")).Count == 0 && toggle.Text == "show");
    }

    private void SaveScreenshot(string name)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        _browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, "the HBNB page in Chromium");
    }
}
