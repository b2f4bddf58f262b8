using System.Net;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>
/// The deployment of AIRBNB.md: the kit's nginx configuration in front of the four apps under
/// gunicornet, checked with the original project's requests.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class NginxDeploymentTests
{
    private HbnbDeployment _deployment = null!;

    private Uri Url => _deployment.Url;

    [OneTimeSetUp]
    public async Task StartAsync() => _deployment = await HbnbDeployment.Start();

    [OneTimeTearDown]
    public async Task StopAsync() => await _deployment.DisposeAsync();

    [Test]
    public async Task AirbnbOnepage_SaysHelloWithTheOriginalsHeaders(CancellationToken ct)
    {
        var (status, body, response) = await Http.Send(HttpMethod.Get, Url, "/airbnb-onepage/", ct);
        using (response)
        {
            Assert.That((status, body), Is.EqualTo((200, "Hello HBNB!")));
            Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/html; charset=utf-8"));
            Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(11));
            Assert.That(response.Headers.GetValues("X-Served-By").Single(), Is.EqualTo(Dns.GetHostName()));
        }
    }

    [TestCase(6, "<H1>Number: 6 is even</H1>")]
    [TestCase(5, "<H1>Number: 5 is odd</H1>")]
    public async Task AirbnbDynamic_NumberOddOrEven(int n, string heading, CancellationToken ct)
    {
        var (status, body) = await Http.Get(Url, $"/airbnb-dynamic/number_odd_or_even/{n}", ct);

        Assert.That(status, Is.EqualTo(200));
        Assert.That(body, Does.Contain(heading));
    }

    [Test]
    public async Task Api_IsUnderApi(CancellationToken ct)
    {
        Assert.That(await Http.Get(Url, "/api/v1/status", ct), Is.EqualTo((200, """{"status":"OK"}""")));
        Assert.That((await Http.Get(Url, "/api/v1/states/nope", ct)).Status, Is.EqualTo(404));
    }

    [Test]
    public async Task Root_IsTheHbnbPage_AndStaticFilesComeFromNginx(CancellationToken ct)
    {
        var page = (await Http.Get(Url, "/", ct)).Body;
        Assert.That(page, Does.Contain("data-step=\"2\"").And.Contain("<p>Holberton School</p>"));

        var (status, css, response) = await Http.Send(HttpMethod.Get, Url, "/static/styles/3-header.css", ct);
        using (response)
        {
            Assert.That(status, Is.EqualTo(200));
            Assert.That(css, Does.Contain("#api_status"));
            Assert.That(response.Headers.Server.ToString(), Does.StartWith("nginx"), "served by nginx itself");
        }

        Assert.That((await Http.Get(Url, "/100-hbnb", ct)).Body, Does.Contain("data-step=\"100\""));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task TheReloadScript_RunRepeatedlyUnderLoadThroughNginx_LosesNoRequest(CancellationToken ct)
    {
        var script = Path.Combine(Paths.Root, "scripts", "reload-gunicornet");
        var load = KeepAliveLoad.Start(Url.Port, connections: 8, path: "/");
        await Wait.Until(() => load.Succeeded > 100, TimeSpan.FromSeconds(30), "the load to run", ct, load.ToString);

        for (var i = 0; i < 5; i++)
        {
            var (code, output) = await Command.Run(ct, script, "--pidfile", _deployment.PidFile("web_dynamic"));
            Assert.That(code, Is.EqualTo(0), output);
        }

        await load.StopAsync();
        Assert.That(load.Failed, Is.Zero, () => $"{load}\nnginx's error.log:\n{_deployment.ErrorLog}\nweb_dynamic printed:\n{_deployment.Output("web_dynamic")}");
        Assert.That(load.Succeeded, Is.GreaterThan(100));
    }
}
