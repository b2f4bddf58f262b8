using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>Each web_flask step, named on the command line, has its routes and those of the steps before it, and no later ones.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class WebFlaskStepTests
{
    [TestCase("HelloRoute", "/", "/hbnb")]
    [TestCase("HbnbRoute", "/hbnb", "/c/x")]
    [TestCase("CRoute", "/c/x", "/python")]
    [TestCase("PythonRoute", "/python", "/number/1")]
    [TestCase("NumberRoute", "/number/1", "/number_template/1")]
    [TestCase("NumberTemplate", "/number_template/1", "/number_odd_or_even/1")]
    [TestCase("NumberOddOrEven", "/number_odd_or_even/1", "/states_list")]
    [TestCase("StatesList", "/states_list", "/cities_by_states")]
    [TestCase("CitiesByStates", "/cities_by_states", "/states")]
    [TestCase("States", "/states", "/hbnb_filters")]
    [TestCase("HbnbFilters", "/hbnb_filters", "/static/none")]
    public async Task AStep_ServesItsRoute_AndTheFirstStepsRoute_ButNotTheNextStepsRoute(string type, string own, string next, CancellationToken ct)
    {
        await using var hbnb = await HbnbServer.Start(Paths.Sample("web_flask") + ":" + type, "sqlite", ct, workers: 1);

        Assert.That((await Http.Get(hbnb.Url, own, ct)).Status, Is.EqualTo(200), own);
        Assert.That(await Http.Get(hbnb.Url, "/", ct), Is.EqualTo((200, "Hello HBNB!")));
        Assert.That((await Http.Get(hbnb.Url, next, ct)).Status, Is.EqualTo(404), next);
    }

    [Test]
    public async Task TheDefaultApp_IsTheLastStep_WhereHbnbIsThePage(CancellationToken ct)
    {
        await using var hbnb = await HbnbServer.Start(Paths.Sample("web_flask"), "sqlite", ct, workers: 1);

        Assert.That((await Http.Get(hbnb.Url, "/hbnb", ct)).Body, Does.Contain("<article>"));
        Assert.That(hbnb.Server.Output, Does.Not.Contain("ERROR"));
    }

    [Test]
    public async Task StepOne_SaysHbnb(CancellationToken ct)
    {
        await using var hbnb = await HbnbServer.Start(Paths.Sample("web_flask") + ":HbnbRoute", "sqlite", ct, workers: 1);

        Assert.That(await Http.Get(hbnb.Url, "/hbnb/", ct), Is.EqualTo((200, "HBNB")));
    }
}
