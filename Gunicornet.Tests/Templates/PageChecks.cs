using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Gunicornet.Tests.Templates;

/// <summary>What a person sees of a page in Chromium: it rendered, and every stylesheet and script it links arrived and applied.</summary>
internal static class PageChecks
{
    /// <summary>Opens <paramref name="page"/> and checks that it loaded whole: returns its title.</summary>
    public static string Open(ChromeDriver driver, Uri page)
    {
        driver.Navigate().GoToUrl(page.ToString());
        new WebDriverWait(driver, TimeSpan.FromSeconds(20)).Until(d => ((IJavaScriptExecutor)d).ExecuteScript("return document.readyState") as string == "complete");
        AssertAssetsLoaded(driver);
        return driver.Title;
    }

    /// <summary>
    /// Every resource the page fetched from its server answered 200 (or 304), every stylesheet it links
    /// is loaded with its rules, and every script it links from its server has a body. (Scripts from a
    /// CDN cannot load here, without a network; the pages fall back on local copies.)
    /// </summary>
    public static void AssertAssetsLoaded(ChromeDriver driver)
    {
        var failed = (string?)driver.ExecuteScript(
            "return performance.getEntriesByType('resource').filter(e => e.name.startsWith(location.origin))"
            + ".filter(e => e.responseStatus !== 200 && e.responseStatus !== 304).map(e => e.name + ' ' + e.responseStatus).join('\\n')");
        Assert.That(failed, Is.Empty, "resources that did not load");

        var linked = Convert.ToInt32(driver.ExecuteScript("return document.querySelectorAll('link[rel=stylesheet]').length"), CultureInfo.InvariantCulture);
        var applied = Convert.ToInt32(driver.ExecuteScript(
            "return Array.from(document.styleSheets).filter(s => { try { return s.cssRules.length > 0; } catch (e) { return false; } }).length"), CultureInfo.InvariantCulture);
        Assert.That(linked, Is.GreaterThanOrEqualTo(2), "the page links its stylesheets");
        Assert.That(applied, Is.EqualTo(linked), "stylesheets loaded with their rules");

        var empty = (string?)driver.ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1];"
            + "const own = Array.from(document.scripts).filter(s => s.src.startsWith(location.origin)).map(s => s.src);"
            + "Promise.all(own.map(src => fetch(src).then(r => r.text()).then(t => t.length > 0 ? '' : src)))"
            + ".then(r => done(r.filter(x => x).join('\\n')), e => done('fetch failed: ' + e));");
        Assert.That(empty, Is.Empty, "scripts the page links that came without a body");
    }

    /// <summary>True when <paramref name="condition"/> holds within <paramref name="within"/>.</summary>
    public static bool WaitFor(ChromeDriver driver, Func<bool> condition, TimeSpan within)
    {
        try
        {
            new WebDriverWait(driver, within) { PollingInterval = TimeSpan.FromMilliseconds(20) }.Until(_ => condition());
            return true;
        }
        catch (WebDriverTimeoutException)
        {
            return false;
        }
    }
}
