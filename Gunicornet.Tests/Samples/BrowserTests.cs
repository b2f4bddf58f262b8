using OpenQA.Selenium;
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
    private Browser _chromium = null!;
    private OpenQA.Selenium.Chrome.ChromeDriver _browser = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _deployment = await HbnbDeployment.Start();
        _chromium = new Browser();
        _browser = _chromium.Driver;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _chromium?.Dispose();
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
        _chromium.SaveScreenshot("hbnb-101.png", "the HBNB page in Chromium");
        toggle.Click();
        wait.Until(_ => first.FindElements(By.CssSelector(".reviews li")).Count == 0 && toggle.Text == "show");
    }
}
