using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>web_dynamic under gunicornet with 3 workers: the HBNB page in each of its steps.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class WebDynamicTests
{
    private HbnbServer _hbnb = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _hbnb = await HbnbServer.Start(Paths.Sample("web_dynamic"), "sqlite", CancellationToken.None);

    [OneTimeTearDown]
    public async Task StopAsync() => await _hbnb.DisposeAsync();

    // step, server-rendered places, amenity boxes, state and city boxes, status circle, script
    [TestCase(0, 10, 0, 0, false, false)]
    [TestCase(1, 10, 10, 0, false, true)]
    [TestCase(2, 10, 10, 0, true, true)]
    [TestCase(3, 0, 10, 0, true, true)]
    [TestCase(4, 0, 10, 0, true, true)]
    [TestCase(100, 0, 10, 36, true, true)]
    [TestCase(101, 0, 10, 36, true, true)]
    public async Task EachStep_HasItsPartsOfThePage(int step, int places, int amenityBoxes, int locationBoxes, bool status, bool script, CancellationToken ct)
    {
        var (code, body) = await Http.Get(_hbnb.Url, $"/{step}-hbnb/", ct);

        Assert.That(code, Is.EqualTo(200));
        Assert.That(Regex.Matches(body, "<article>").Count, Is.EqualTo(places), "places rendered by the server");
        Assert.That(Regex.Matches(body, @"class=""amenity""").Count, Is.EqualTo(amenityBoxes));
        Assert.That(Regex.Matches(body, @"class=""(state|city)""").Count, Is.EqualTo(locationBoxes));
        Assert.That(body.Contains(@"id=""api_status""", StringComparison.Ordinal), Is.EqualTo(status));
        Assert.That(body.Contains("/static/scripts/hbnb.js", StringComparison.Ordinal), Is.EqualTo(script));
        Assert.That(body, Does.Contain($@"data-step=""{step}""").And.Contain("<p>Holberton School</p>"));
    }

    [Test]
    public async Task TheHbnbPage_EndsWithTheFooterAndTheClosingHtmlTag(CancellationToken ct)
    {
        // As the original deployment checks it: curl -s 127.0.0.1:5003/2-hbnb | tail -5
        var lastLines = (await Http.Get(_hbnb.Url, "/2-hbnb", ct)).Body.TrimEnd().Split('\n').TakeLast(5);
        var tail = string.Join("\n", lastLines);

        Assert.That(tail, Does.Contain("<p>Holberton School</p>"));
        Assert.That(tail, Does.EndWith("</html>"));
    }

    [Test]
    public async Task AssetUrls_CarryACacheBustingQuery_NewOnEveryRender_AndAreServed(CancellationToken ct)
    {
        var first = (await Http.Get(_hbnb.Url, "/4-hbnb", ct)).Body;
        var second = (await Http.Get(_hbnb.Url, "/4-hbnb", ct)).Body;
        var assets = Regex.Matches(first, @"(?:href|src)=""(/static/[^""?]+)\?([0-9a-f-]{36})""").ToList();

        Assert.That(assets, Has.Count.GreaterThanOrEqualTo(7));
        Assert.That(second, Does.Not.Contain(assets[0].Groups[2].Value), "a new query string each time");
        foreach (var asset in assets)
        {
            Assert.That((await Http.Get(_hbnb.Url, asset.Groups[1].Value + "?" + asset.Groups[2].Value, ct)).Status, Is.EqualTo(200), asset.Value);
        }
    }

    [Test]
    public async Task TheScript_ReachesTheApiByRelativeUrls(CancellationToken ct)
    {
        var script = (await Http.Get(_hbnb.Url, "/static/scripts/hbnb.js", ct)).Body;

        Assert.That(script, Does.Contain("fetch('/api/v1/status/')").And.Contain("fetch('/api/v1/places_search/'").And.Contain("/api/v1/places/${place.id}/reviews"));
        Assert.That(script, Does.Not.Contain("http://").And.Not.Contain("0.0.0.0"));
    }
}
