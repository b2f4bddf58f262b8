using System.Text.RegularExpressions;
using OpenQA.Selenium;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Templates;

/// <summary>
/// The SDK's <c>mvc</c> and <c>razor</c> templates, unmodified, in headless Chromium under
/// <c>gunicornet -w 2</c> with the access log on, from build and publish output; and the razor template
/// with Identity, whose forms post through antiforgery and whose sign-in cookie hold across workers
/// and across a reload.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(900_000)]
public sealed partial class PageTemplateTests
{
    private Browser _chromium = null!;

    [OneTimeSetUp]
    public void StartBrowser() => _chromium = new Browser();

    [OneTimeTearDown]
    public void StopBrowser() => _chromium?.Dispose();

    [SetUp]
    public void ForgetCookies() => _chromium.Driver.Manage().Cookies.DeleteAllCookies();

    [TestCase("tmvc", "mvc", false)]
    [TestCase("tmvc", "mvc", true)]
    [TestCase("trazor", "razor", false)]
    [TestCase("trazor", "razor", true)]
    public async Task ThePages_RenderWithTheirStylesAndScripts(string name, string template, bool published, CancellationToken ct)
    {
        var app = await TemplateApps.Get(name, template);
        using var log = new TempDirectory("gunicornet-pages");
        // Build output runs as `dotnet run` runs it: from the project folder, in Development, where the
        // static web assets are found in the project (in Production, Kestrel alone serves them empty).
        string[] options = published ? [] : ["--chdir", app.ProjectDirectory, "-e", "ASPNETCORE_ENVIRONMENT=Development"];
        var (server, url) = await ServerProcess.StartReady(app.Dll(published), workers: 2, ct, [.. options, "--access-logfile", log.File("access.log")]);
        await using var _ = server;
        var driver = _chromium.Driver;

        Assert.That(PageChecks.Open(driver, url), Is.EqualTo($"Home page - {name}").IgnoreCase);
        Assert.That(driver.FindElement(By.TagName("h1")).Text, Is.EqualTo("Welcome"));
        Assert.That(driver.ExecuteScript("return typeof jQuery === 'function' && typeof bootstrap === 'object'"), Is.True, "jQuery and Bootstrap ran");
        Assert.That(driver.ExecuteScript("return getComputedStyle(document.querySelector('nav.navbar')).display"), Is.EqualTo("flex"), "Bootstrap's styles applied");
        _chromium.SaveScreenshot($"{name}-{(published ? "publish" : "build")}.png", $"the {template} template's home page");

        driver.FindElement(By.LinkText("Privacy")).Click();
        PageChecks.WaitFor(driver, () => driver.Title.StartsWith("Privacy Policy", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.That(driver.Title, Is.EqualTo($"Privacy Policy - {name}"));
        PageChecks.AssertAssetsLoaded(driver);
        await Wait.Until(() => File.ReadAllText(log.File("access.log")).Contains("Privacy HTTP/1.1\" 200 ", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the Privacy page in the access log", ct, () => File.ReadAllText(log.File("access.log")));
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));
    }

    [TestCase("/proc")]
    [TestCase(null)]
    public async Task Antiforgery_HoldsAcrossWorkers_AndAcrossAReload_WhereverTheKeysAreKept(string? home, CancellationToken ct)
    {
        // With HOME where nothing can be written, ASP.NET Core keeps its Data Protection keys in memory,
        // a key ring per process; with the user's HOME, in ~/.aspnet/DataProtection-Keys.
        var app = await TemplateApps.Get("trazorauth", "razor", "--auth", "Individual");
        string[] environment = home is null ? [] : ["-e", "HOME=" + home];
        var (server, url) = await ServerProcess.StartReady(app.PublishDll, workers: 2, ct, [.. environment, "--access-logfile", "-"]);
        await using var _ = server;

        var statuses = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            if (i == 10)
            {
                server.Signal(Posix.Signal.Hup);
                await server.WaitForReady(4, ct);
            }

            statuses.Add(await PostLoginForm(url, ct));
        }

        // 200: the form came back with "Invalid login attempt"; 400: the antiforgery token was refused.
        Assert.That(statuses, Has.All.EqualTo(200), string.Join(" ", statuses));
    }

    /// <summary>GETs the login form and POSTs it back with its antiforgery token and cookie, each on a new connection: the status of the POST.</summary>
    private static async Task<int> PostLoginForm(Uri url, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, CookieContainer = new System.Net.CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = url };
        using var get = new HttpRequestMessage(HttpMethod.Get, "/Identity/Account/Login");
        get.Headers.ConnectionClose = true;
        using var form = await client.SendAsync(get, ct);
        var token = TokenRegex().Match(await form.Content.ReadAsStringAsync(ct)).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Identity/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = "nobody@example.com",
                ["Input.Password"] = "wrong",
                ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.ConnectionClose = true;
        using var answer = await client.SendAsync(post, ct);
        return (int)answer.StatusCode;
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken"" type=""hidden"" value=""([^""]+)""")]
    private static partial Regex TokenRegex();

    [Test]
    public async Task Identity_RegistersConfirmsAndSignsIn_AcrossWorkers_AndStaysSignedInAcrossAReload(CancellationToken ct)
    {
        var app = await TemplateApps.Get("trazorauth", "razor", "--auth", "Individual");
        var (server, url) = await ServerProcess.StartReady(app.PublishDll, workers: 2, ct, "--access-logfile", "-");
        await using var _ = server;
        var driver = _chromium.Driver;
        var email = $"user-{Guid.NewGuid():N}@example.com";

        PageChecks.Open(driver, new Uri(url, "/Identity/Account/Register"));
        driver.FindElement(By.Id("Input_Email")).SendKeys(email);
        driver.FindElement(By.Id("Input_Password")).SendKeys("Passw0rd!");
        driver.FindElement(By.Id("Input_ConfirmPassword")).SendKeys("Passw0rd!");
        driver.FindElement(By.Id("registerSubmit")).Click();
        Assert.That(PageChecks.WaitFor(driver, () => driver.Title.StartsWith("Register confirmation", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, driver.PageSource);
        driver.FindElement(By.Id("confirm-link")).Click();
        Assert.That(PageChecks.WaitFor(driver, () => driver.PageSource.Contains("Thank you for confirming your email.", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, driver.PageSource);

        PageChecks.Open(driver, new Uri(url, "/Identity/Account/Login"));
        driver.FindElement(By.Id("Input_Email")).SendKeys(email);
        driver.FindElement(By.Id("Input_Password")).SendKeys("Passw0rd!");
        driver.FindElement(By.Id("login-submit")).Click();
        Assert.That(PageChecks.WaitFor(driver, () => driver.PageSource.Contains($"Hello {email}!", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, driver.PageSource);

        // Every page on a new connection, so both workers read the cookie; then a new generation does.
        for (var i = 0; i < 6; i++)
        {
            PageChecks.Open(driver, url);
            Assert.That(driver.PageSource, Does.Contain($"Hello {email}!"), $"signed in on page load {i}");
        }

        server.Signal(Posix.Signal.Hup);
        await server.WaitForReady(4, ct);
        await Wait.Until(() => server.LiveWorkers().Count == 2, TimeSpan.FromSeconds(30), "the old generation to leave", ct, () => server.Output);
        PageChecks.Open(driver, url);
        Assert.That(driver.PageSource, Does.Contain($"Hello {email}!"), "signed in after the reload");
        Assert.That(server.Output, Does.Not.Contain("[ERROR]"));
    }

}
