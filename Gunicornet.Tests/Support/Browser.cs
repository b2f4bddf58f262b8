using OpenQA.Selenium.Chrome;

namespace Gunicornet.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven through chromium-driver (Selenium), with a private profile that
/// is deleted on dispose. No network here: Chromium is kept from trying its own services.
/// </summary>
internal sealed class Browser : IDisposable
{
    private readonly TempDirectory _profile = new("gunicornet-chromium");

    public Browser()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
            $"--user-data-dir={_profile.Path}");
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>The browser.</summary>
    public ChromeDriver Driver { get; }

    /// <summary>Saves a screenshot as <c>artifacts/NAME</c> in the test output folder and attaches it to the test.</summary>
    public void SaveScreenshot(string name, string description)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        Driver.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, description);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        _profile.Dispose();
    }
}
