using System.Text.Json;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>The v1 REST API under gunicornet with 3 workers: every endpoint, status code and error body of AIRBNB.md.</summary>
[TestFixtureSource(typeof(Paths), nameof(Paths.HbnbBackends))]
[Category("Process")]
[CancelAfter(60_000)]
public sealed partial class ApiTests(string backend)
{
    private HbnbServer _hbnb = null!;

    private Uri Url => _hbnb.Url;

    [OneTimeSetUp]
    public async Task StartAsync() => _hbnb = await HbnbServer.Start(Paths.Sample("api"), backend, CancellationToken.None);

    [OneTimeTearDown]
    public async Task StopAsync() => await _hbnb.DisposeAsync();

    [Test]
    public async Task Status_SaysOK(CancellationToken ct) =>
        Assert.That(await Get("/api/v1/status", ct), Is.EqualTo((200, """{"status":"OK"}""")));

    [Test]
    public async Task Stats_CountsEachKind(CancellationToken ct)
    {
        var before = Parse((await Get("/api/v1/stats", ct)).Body);
        Assert.That(before.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "amenities", "cities", "places", "reviews", "states", "users" }));
        Assert.That(before.GetProperty("places").GetInt32(), Is.GreaterThanOrEqualTo(10), "the seed data");

        await Send(HttpMethod.Post, "/api/v1/amenities", ct, """{"name": "Sauna"}""");

        var after = Parse((await Get("/api/v1/stats", ct)).Body);
        Assert.That(after.GetProperty("amenities").GetInt32(), Is.EqualTo(before.GetProperty("amenities").GetInt32() + 1));
        Assert.That(after.GetProperty("states").GetInt32(), Is.EqualTo(before.GetProperty("states").GetInt32()));
    }

    [Test]
    public async Task States_ListGetCreateUpdateDelete(CancellationToken ct)
    {
        var list = Parse((await Get("/api/v1/states", ct)).Body);
        var california = list.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "California");
        AssertObject(california, "State");

        var (status, body) = await Get($"/api/v1/states/{Id(california)}/", ct);
        Assert.That((status, Parse(body).GetProperty("name").GetString()), Is.EqualTo((200, "California")), "a trailing slash is optional");

        var created = await Create("/api/v1/states", """{"name": "Oregon"}""", ct);
        AssertObject(created, "State");
        Assert.That(created.GetProperty("name").GetString(), Is.EqualTo("Oregon"));

        var (putStatus, putBody) = await Send(HttpMethod.Put, $"/api/v1/states/{Id(created)}", ct,
            """{"name": "Oregon State", "id": "ignored", "created_at": "2000-01-01T00:00:00.000000"}""");
        var updated = Parse(putBody);
        Assert.That(putStatus, Is.EqualTo(200));
        Assert.That((updated.GetProperty("name").GetString(), Id(updated)), Is.EqualTo(("Oregon State", Id(created))));
        Assert.That(updated.GetProperty("created_at").GetString(), Is.EqualTo(created.GetProperty("created_at").GetString()));
        Assert.That(string.CompareOrdinal(updated.GetProperty("updated_at").GetString(), created.GetProperty("updated_at").GetString()), Is.GreaterThan(0));

        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/states/{Id(created)}", ct), Is.EqualTo((200, "{}")));
        Assert.That(await Get($"/api/v1/states/{Id(created)}", ct), Is.EqualTo(NotFound));
    }

    [Test]
    public async Task UnknownIds_AreNotFound_InJson(CancellationToken ct)
    {
        foreach (var kind in new[] { "states", "cities", "amenities", "users", "places", "reviews" })
        {
            Assert.That(await Get($"/api/v1/{kind}/no-such-id", ct), Is.EqualTo(NotFound), $"GET {kind}");
            Assert.That(await Send(HttpMethod.Put, $"/api/v1/{kind}/no-such-id", ct, "{}"), Is.EqualTo(NotFound), $"PUT {kind}");
            Assert.That(await Send(HttpMethod.Delete, $"/api/v1/{kind}/no-such-id", ct), Is.EqualTo(NotFound), $"DELETE {kind}");
        }

        Assert.That(await Get("/api/v1/nothing/here", ct), Is.EqualTo(NotFound));
        Assert.That(await Get("/api/v1/states/no-such-id/cities", ct), Is.EqualTo(NotFound));
        Assert.That(await Get("/api/v1/cities/no-such-id/places", ct), Is.EqualTo(NotFound));
        Assert.That(await Get("/api/v1/places/no-such-id/reviews", ct), Is.EqualTo(NotFound));
        Assert.That(await Get("/api/v1/places/no-such-id/amenities", ct), Is.EqualTo(NotFound));
    }

    [TestCase("/api/v1/states", "{}", "Missing name")]
    [TestCase("/api/v1/amenities", """{"nom": "x"}""", "Missing name")]
    [TestCase("/api/v1/users", """{"password": "x"}""", "Missing email")]
    [TestCase("/api/v1/users", """{"email": "a@b.c"}""", "Missing password")]
    public async Task MissingFields_AreBadRequests(string path, string body, string error, CancellationToken ct) =>
        Assert.That(await Send(HttpMethod.Post, path, ct, body), Is.EqualTo((400, $$"""{"error":"{{error}}"}""")));

    [TestCase("POST", "/api/v1/states")]
    [TestCase("POST", "/api/v1/amenities")]
    [TestCase("POST", "/api/v1/users")]
    [TestCase("POST", "/api/v1/places_search")]
    public async Task ABodyThatIsNotJson_IsABadRequest(string method, string path, CancellationToken ct)
    {
        Assert.That(await Send(new HttpMethod(method), path, ct, "name=x", "application/x-www-form-urlencoded"), Is.EqualTo(NotAJson));
        Assert.That(await Send(new HttpMethod(method), path, ct, "{not json"), Is.EqualTo(NotAJson));
    }

    [Test]
    public async Task Put_WithABodyThatIsNotJson_IsABadRequest(CancellationToken ct)
    {
        var state = await Create("/api/v1/states", """{"name": "Maine"}""", ct);

        Assert.That(await Send(HttpMethod.Put, $"/api/v1/states/{Id(state)}", ct, "name=x", "text/plain"), Is.EqualTo(NotAJson));
    }

    [Test]
    public async Task Cors_AllowsAnyOrigin(CancellationToken ct)
    {
        var (_, _, response) = await Http.Send(HttpMethod.Get, Url, "/api/v1/status", ct, origin: "http://elsewhere.example");

        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }

    private static readonly (int, string) NotFound = (404, """{"error":"Not found"}""");

    private static readonly (int, string) NotAJson = (400, """{"error":"Not a JSON"}""");

    private async Task<(int Status, string Body)> Get(string path, CancellationToken ct)
    {
        var (status, body, response) = await Http.Send(HttpMethod.Get, Url, path, ct);
        response.Dispose();
        return (status, body);
    }

    private async Task<(int Status, string Body)> Send(HttpMethod method, string path, CancellationToken ct, string? body = null, string contentType = "application/json")
    {
        var (status, text, response) = await Http.Send(method, Url, path, ct, body, contentType);
        response.Dispose();
        return (status, text);
    }

    private async Task<JsonElement> Create(string path, string body, CancellationToken ct)
    {
        var (status, text) = await Send(HttpMethod.Post, path, ct, body);
        Assert.That(status, Is.EqualTo(201), text);
        return Parse(text);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Id(JsonElement o) => o.GetProperty("id").GetString()!;

    /// <summary>The original's to_dict(): __class__, a UUID, and times as YYYY-MM-DDTHH:MM:SS.ffffff.</summary>
    private static void AssertObject(JsonElement o, string kind)
    {
        Assert.That(o.GetProperty("__class__").GetString(), Is.EqualTo(kind));
        Assert.That(Guid.TryParse(Id(o), out _), Is.True);
        Assert.That(o.GetProperty("created_at").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"));
        Assert.That(o.GetProperty("updated_at").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"));
    }
}
