using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>web_flask under gunicornet with 3 workers: every route of every step, as the Flask original answers.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class WebFlaskTests
{
    private HbnbServer _hbnb = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _hbnb = await HbnbServer.Start(Paths.Sample("web_flask"), "sqlite", CancellationToken.None);

    [OneTimeTearDown]
    public async Task StopAsync() => await _hbnb.DisposeAsync();

    [TestCase("/", "Hello HBNB!")]
    [TestCase("/airbnb-onepage/", "Hello HBNB!")]
    [TestCase("/c/is_fun", "C is fun")]
    [TestCase("/c/cool/", "C cool")]
    [TestCase("/python", "Python is cool")]
    [TestCase("/python/", "Python is cool")]
    [TestCase("/python/is_magic", "Python is magic")]
    [TestCase("/number/89", "89 is a number")]
    [TestCase("/number/007/", "7 is a number")]
    public async Task TextRoutes_SayWhatFlaskSays(string path, string text, CancellationToken ct)
    {
        var (status, body, response) = await Http.Send(HttpMethod.Get, _hbnb.Url, path, ct);
        using (response)
        {
            Assert.That((status, body), Is.EqualTo((200, text)));
            Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/html; charset=utf-8"));
            Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(text.Length));
        }
    }

    [TestCase("/c")]
    [TestCase("/number/8.9")]
    [TestCase("/number/python")]
    [TestCase("/number/-3")]
    [TestCase("/number_template/x")]
    [TestCase("/number_odd_or_even/4.0")]
    [TestCase("/nothing")]
    public async Task NonMatchingRoutes_AreNotFound(string path, CancellationToken ct) =>
        Assert.That((await Http.Get(_hbnb.Url, path, ct)).Status, Is.EqualTo(404));

    [TestCase("/number_template/6", "<H1>Number: 6</H1>")]
    [TestCase("/number_odd_or_even/6", "<H1>Number: 6 is even</H1>")]
    [TestCase("/number_odd_or_even/5", "<H1>Number: 5 is odd</H1>")]
    [TestCase("/number_odd_or_even/0/", "<H1>Number: 0 is even</H1>")]
    public async Task NumberPages_AreHtmlTitledHbnb(string path, string heading, CancellationToken ct)
    {
        var (status, body) = await Http.Get(_hbnb.Url, path, ct);

        Assert.That(status, Is.EqualTo(200));
        Assert.That(body, Does.StartWith("<!DOCTYPE html>").And.Contain("<TITLE>HBNB</TITLE>").And.Contain(heading));
    }

    [Test]
    public async Task StatesList_ListsEveryStateSortedByName(CancellationToken ct)
    {
        var body = (await Http.Get(_hbnb.Url, "/states_list", ct)).Body;

        Assert.That(body, Does.Contain("<H1>States</H1>"));
        var names = Regex.Matches(body, @"<LI>[0-9a-f-]{36}: <B>([^<]+)</B></LI>").Select(m => m.Groups[1].Value).ToList();
        Assert.That(names, Is.EqualTo(new[] { "Alabama", "Arizona", "California", "Illinois", "Louisiana", "Nevada", "New York", "Texas" }));
    }

    [Test]
    public async Task CitiesByStates_NestsEachStatesCitiesSortedByName(CancellationToken ct)
    {
        var body = (await Http.Get(_hbnb.Url, "/cities_by_states", ct)).Body;

        var california = Regex.Match(body, @"<B>California</B>\s*<UL>(.*?)</UL>", RegexOptions.Singleline).Groups[1].Value;
        var cities = Regex.Matches(california, @"<B>([^<]+)</B>").Select(m => m.Groups[1].Value).ToList();
        Assert.That(cities, Is.EqualTo(new[] { "Fremont", "Napa", "San Francisco", "San Jose" }));
    }

    [Test]
    public async Task States_ListsThemOrShowsOneWithItsCities_OrSaysNotFound(CancellationToken ct)
    {
        var list = (await Http.Get(_hbnb.Url, "/states", ct)).Body;
        var nevada = Regex.Match(list, @"<LI>([0-9a-f-]{36}): <B>Nevada</B>").Groups[1].Value;
        Assert.That(nevada, Is.Not.Empty, list);

        var one = (await Http.Get(_hbnb.Url, $"/states/{nevada}", ct)).Body;
        Assert.That(one, Does.Contain("<H1>State: Nevada</H1>").And.Contain("<H3>Cities:</H3>"));
        Assert.That(Regex.Matches(one, @"<B>([^<]+)</B>").Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "Henderson", "Las Vegas", "Reno" }));

        var (status, missing) = await Http.Get(_hbnb.Url, "/states/no-such-id", ct);
        Assert.That((status, missing.Contains("<H1>Not found!</H1>", StringComparison.Ordinal)), Is.EqualTo((200, true)));
    }

    [Test]
    public async Task HbnbFilters_ShowsStatesCitiesAndAmenities_WithItsStylesAndImages(CancellationToken ct)
    {
        var body = (await Http.Get(_hbnb.Url, "/hbnb_filters", ct)).Body;

        Assert.That(body, Does.Contain("<h2>California</h2>").And.Contain("<li>San Francisco</li>").And.Contain("<li>Wifi</li>"));
        Assert.That(body, Does.Not.Contain("<article>"), "no places before step 100");
        foreach (Match asset in Regex.Matches(body, @"(?:href|src)=""(/static/[^""?]+)"))
        {
            Assert.That((await Http.Get(_hbnb.Url, asset.Groups[1].Value, ct)).Status, Is.EqualTo(200), asset.Groups[1].Value);
        }

        Assert.That((await Http.Get(_hbnb.Url, "/static/images/logo.svg", ct)).Body, Does.StartWith("<svg"));
        Assert.That(body, Does.Contain("<p>Holberton School</p>"));
    }

    [Test]
    public async Task Hbnb_IsTheFullPage_WithEveryPlace_AndDescriptionsAsHtml(CancellationToken ct)
    {
        var body = (await Http.Get(_hbnb.Url, "/hbnb", ct)).Body;

        Assert.That(Regex.Matches(body, "<article>").Count, Is.EqualTo(10));
        Assert.That(body, Does.Contain("<h2>Sunny loft</h2>").And.Contain("$180").And.Contain("2 Guests").And.Contain("1 Bedroom<").And.Contain("Maya Tran"));
        Assert.That(body, Does.Contain("Walk to the <b>ferry building</b>"), "the description's HTML is kept");
        Assert.That(body.TrimEnd(), Does.EndWith("</html>"));
    }
}
