using System.Text.Json;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>Cities, amenities, users, places, reviews, place amenities, search, and writes across workers.</summary>
public sealed partial class ApiTests
{
    [Test]
    public async Task Cities_OfAState_CreatedUnderIt_UpdatedWithoutMovingIt(CancellationToken ct)
    {
        var state = await Create("/api/v1/states", """{"name": "Vermont"}""", ct);
        var other = await Create("/api/v1/states", """{"name": "Ohio"}""", ct);
        Assert.That(await Send(HttpMethod.Post, "/api/v1/states/no-such-id/cities", ct, """{"name": "x"}"""), Is.EqualTo(NotFound));
        Assert.That(await Send(HttpMethod.Post, $"/api/v1/states/{Id(state)}/cities", ct, "{}"), Is.EqualTo((400, """{"error":"Missing name"}""")));

        var city = await Create($"/api/v1/states/{Id(state)}/cities", """{"name": "Burlington"}""", ct);
        AssertObject(city, "City");
        Assert.That(Parse((await Get($"/api/v1/cities/{Id(city)}", ct)).Body).GetProperty("name").GetString(), Is.EqualTo("Burlington"));
        Assert.That(city.GetProperty("state_id").GetString(), Is.EqualTo(Id(state)));
        var cities = Parse((await Get($"/api/v1/states/{Id(state)}/cities", ct)).Body);
        Assert.That(cities.EnumerateArray().Select(Id), Is.EqualTo(new[] { Id(city) }));

        var moved = Parse((await Send(HttpMethod.Put, $"/api/v1/cities/{Id(city)}", ct, $$"""{"name": "Montpelier", "state_id": "{{Id(other)}}"}""")).Body);
        Assert.That((moved.GetProperty("name").GetString(), moved.GetProperty("state_id").GetString()), Is.EqualTo(("Montpelier", Id(state))));
        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/cities/{Id(city)}", ct), Is.EqualTo((200, "{}")));
        Assert.That((await Get($"/api/v1/states/{Id(state)}/cities", ct)).Body, Is.EqualTo("[]"));
    }

    [Test]
    public async Task Amenities_ListGetCreateUpdateDelete(CancellationToken ct)
    {
        var amenities = Parse((await Get("/api/v1/amenities", ct)).Body);
        Assert.That(amenities.EnumerateArray().Select(a => a.GetProperty("name").GetString()), Does.Contain("Wifi"));

        var amenity = await Create("/api/v1/amenities", """{"name": "Hot tub"}""", ct);
        AssertObject(amenity, "Amenity");
        Assert.That(Parse((await Get($"/api/v1/amenities/{Id(amenity)}", ct)).Body).GetProperty("name").GetString(), Is.EqualTo("Hot tub"));
        Assert.That(Parse((await Send(HttpMethod.Put, $"/api/v1/amenities/{Id(amenity)}", ct, """{"name": "Jacuzzi"}""")).Body).GetProperty("name").GetString(), Is.EqualTo("Jacuzzi"));
        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/amenities/{Id(amenity)}", ct), Is.EqualTo((200, "{}")));
        Assert.That(await Get($"/api/v1/amenities/{Id(amenity)}", ct), Is.EqualTo(NotFound));
    }

    [Test]
    public async Task Users_NeverShowTheirPassword_AndKeepTheirEmailOnUpdate(CancellationToken ct)
    {
        var user = await Create("/api/v1/users", """{"email": "ada@hbnb.example", "password": "secret", "first_name": "Ada"}""", ct);
        AssertObject(user, "User");
        Assert.That(user.TryGetProperty("password", out _), Is.False);
        Assert.That((await Get("/api/v1/users", ct)).Body, Does.Not.Contain("password"));
        Assert.That((await Get($"/api/v1/users/{Id(user)}", ct)).Body, Does.Not.Contain("password").And.Contain("ada@hbnb.example"));

        var updated = Parse((await Send(HttpMethod.Put, $"/api/v1/users/{Id(user)}", ct, """{"email": "other@x.example", "last_name": "Lovelace", "password": "new"}""")).Body);
        Assert.That((updated.GetProperty("email").GetString(), updated.GetProperty("last_name").GetString()), Is.EqualTo(("ada@hbnb.example", "Lovelace")));
        Assert.That(updated.TryGetProperty("password", out _), Is.False);
        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/users/{Id(user)}", ct), Is.EqualTo((200, "{}")));
    }

    [Test]
    public async Task Places_OfACity_NeedAnExistingUserAndAName(CancellationToken ct)
    {
        var (state, city, user) = await StateCityUser(ct);
        var path = $"/api/v1/cities/{Id(city)}/places";
        Assert.That(await Send(HttpMethod.Post, "/api/v1/cities/no-such-id/places", ct, "{}"), Is.EqualTo(NotFound));
        Assert.That(await Send(HttpMethod.Post, path, ct, """{"name": "x"}"""), Is.EqualTo((400, """{"error":"Missing user_id"}""")));
        Assert.That(await Send(HttpMethod.Post, path, ct, """{"user_id": "nobody", "name": "x"}"""), Is.EqualTo(NotFound));
        Assert.That(await Send(HttpMethod.Post, path, ct, $$"""{"user_id": "{{Id(user)}}"}"""), Is.EqualTo((400, """{"error":"Missing name"}""")));

        var place = await Create(path, $$"""{"user_id": "{{Id(user)}}", "name": "Barn", "number_rooms": 2, "price_by_night": 75, "description": "<b>Hay</b>"}""", ct);
        AssertObject(place, "Place");
        Assert.That((place.GetProperty("number_rooms").GetInt32(), place.GetProperty("price_by_night").GetInt32(), place.GetProperty("description").GetString()), Is.EqualTo((2, 75, "<b>Hay</b>")));
        Assert.That(Parse((await Get(path, ct)).Body).EnumerateArray().Select(Id), Is.EqualTo(new[] { Id(place) }));
        Assert.That(Parse((await Get($"/api/v1/places/{Id(place)}", ct)).Body).GetProperty("name").GetString(), Is.EqualTo("Barn"));

        var updated = Parse((await Send(HttpMethod.Put, $"/api/v1/places/{Id(place)}", ct, """{"max_guest": 4, "user_id": "x", "city_id": "y"}""")).Body);
        Assert.That((updated.GetProperty("max_guest").GetInt32(), updated.GetProperty("user_id").GetString(), updated.GetProperty("city_id").GetString()), Is.EqualTo((4, Id(user), Id(city))));
        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/places/{Id(place)}", ct), Is.EqualTo((200, "{}")));
        Assert.That(Id(state), Is.Not.Empty);
    }

    [Test]
    public async Task Reviews_OfAPlace_NeedAnExistingUserAndAText(CancellationToken ct)
    {
        var (_, city, user) = await StateCityUser(ct);
        var place = await Create($"/api/v1/cities/{Id(city)}/places", $$"""{"user_id": "{{Id(user)}}", "name": "Hut"}""", ct);
        var path = $"/api/v1/places/{Id(place)}/reviews";
        Assert.That(await Send(HttpMethod.Post, path, ct, """{"text": "x"}"""), Is.EqualTo((400, """{"error":"Missing user_id"}""")));
        Assert.That(await Send(HttpMethod.Post, path, ct, """{"user_id": "nobody", "text": "x"}"""), Is.EqualTo(NotFound));
        Assert.That(await Send(HttpMethod.Post, path, ct, $$"""{"user_id": "{{Id(user)}}"}"""), Is.EqualTo((400, """{"error":"Missing text"}""")));

        var review = await Create(path, $$"""{"user_id": "{{Id(user)}}", "text": "Cozy"}""", ct);
        AssertObject(review, "Review");
        Assert.That(Parse((await Get(path, ct)).Body).EnumerateArray().Select(Id), Is.EqualTo(new[] { Id(review) }));
        var updated = Parse((await Send(HttpMethod.Put, $"/api/v1/reviews/{Id(review)}", ct, """{"text": "Very cozy", "place_id": "x", "user_id": "y"}""")).Body);
        Assert.That((updated.GetProperty("text").GetString(), updated.GetProperty("place_id").GetString()), Is.EqualTo(("Very cozy", Id(place))));
        Assert.That(await Send(HttpMethod.Delete, $"/api/v1/reviews/{Id(review)}", ct), Is.EqualTo((200, "{}")));
        Assert.That(await Get($"/api/v1/reviews/{Id(review)}", ct), Is.EqualTo(NotFound));
    }

    [Test]
    public async Task PlaceAmenities_LinkTwiceUnlinkTwice(CancellationToken ct)
    {
        var (_, city, user) = await StateCityUser(ct);
        var place = await Create($"/api/v1/cities/{Id(city)}/places", $$"""{"user_id": "{{Id(user)}}", "name": "Tent"}""", ct);
        var amenity = await Create("/api/v1/amenities", """{"name": "Campfire"}""", ct);
        var link = $"/api/v1/places/{Id(place)}/amenities/{Id(amenity)}";

        Assert.That((await Send(HttpMethod.Post, link, ct)).Status, Is.EqualTo(201));
        Assert.That((await Send(HttpMethod.Post, link, ct)).Status, Is.EqualTo(200), "already linked");
        Assert.That(Parse((await Get($"/api/v1/places/{Id(place)}/amenities", ct)).Body).EnumerateArray().Select(Id), Is.EqualTo(new[] { Id(amenity) }));
        Assert.That(await Send(HttpMethod.Delete, link, ct), Is.EqualTo((200, "{}")));
        Assert.That(await Send(HttpMethod.Delete, link, ct), Is.EqualTo(NotFound), "not linked any more");
        Assert.That(await Send(HttpMethod.Post, $"/api/v1/places/{Id(place)}/amenities/no-such-id", ct), Is.EqualTo(NotFound));
    }

    [Test]
    public async Task PlacesSearch_ByStatesCitiesAndAmenities(CancellationToken ct)
    {
        var all = Names(Parse((await Send(HttpMethod.Post, "/api/v1/places_search", ct, "{}")).Body));
        Assert.That(all, Is.SupersetOf(new[] { "Sunny loft", "Napa cottage", "Lake view", "Desert house" }), "an empty body finds every place");

        var states = Parse((await Get("/api/v1/states", ct)).Body).EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, Id);
        var amenities = Parse((await Get("/api/v1/amenities", ct)).Body).EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, Id);
        var illinoisCities = Parse((await Get($"/api/v1/states/{states["Illinois"]}/cities", ct)).Body).EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, Id);

        var california = Names(Parse((await Send(HttpMethod.Post, "/api/v1/places_search", ct, $$"""{"states": ["{{states["California"]}}"]}""")).Body));
        Assert.That(california, Is.EquivalentTo(new[] { "Sunny loft", "Napa cottage" }));

        var withChicago = Names(Parse((await Send(HttpMethod.Post, "/api/v1/places_search", ct,
            $$"""{"states": ["{{states["California"]}}"], "cities": ["{{illinoisCities["Chicago"]}}"]}""")).Body));
        Assert.That(withChicago, Is.EquivalentTo(new[] { "Sunny loft", "Napa cottage", "Lake view" }));

        var pools = Names(Parse((await Send(HttpMethod.Post, "/api/v1/places_search", ct,
            $$"""{"states": ["{{states["California"]}}"], "amenities": ["{{amenities["Pool"]}}", "{{amenities["Wifi"]}}"]}""")).Body));
        Assert.That(pools, Is.EquivalentTo(new[] { "Napa cottage" }));
    }

    [Test]
    public async Task WritesThroughEveryWorker_AreSeenByEveryWorker_AndNoneIsLost(CancellationToken ct)
    {
        const int Writers = 16, PerWriter = 15;
        var before = Parse((await Get("/api/v1/stats", ct)).Body).GetProperty("amenities").GetInt32();

        // Each request on a new connection: the writes spread over the three workers.
        var created = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < PerWriter; i++)
            {
                ids.Add(Id(await Create("/api/v1/amenities", $$"""{"name": "Concurrent {{w}}-{{i}}"}""", ct)));
            }

            return ids;
        }, ct)));

        var ids = created.SelectMany(x => x).ToList();
        var after = Parse((await Get("/api/v1/stats", ct)).Body).GetProperty("amenities").GetInt32();
        Assert.That(ids.Distinct().Count(), Is.EqualTo(Writers * PerWriter));
        Assert.That(after - before, Is.EqualTo(Writers * PerWriter), "every write counted");

        var reads = await Task.WhenAll(ids.Select(id => Get($"/api/v1/amenities/{id}", ct)));
        Assert.That(reads.Select(r => r.Status), Is.All.EqualTo(200), "every object readable through any worker");
        var listed = Parse((await Get("/api/v1/amenities", ct)).Body).EnumerateArray().Select(Id).ToHashSet();
        Assert.That(listed, Is.SupersetOf(ids));
    }

    private async Task<(JsonElement State, JsonElement City, JsonElement User)> StateCityUser(CancellationToken ct)
    {
        var state = await Create("/api/v1/states", """{"name": "Utah"}""", ct);
        var city = await Create($"/api/v1/states/{Id(state)}/cities", """{"name": "Moab"}""", ct);
        var user = await Create("/api/v1/users", $$"""{"email": "{{Guid.NewGuid():N}}@hbnb.example", "password": "p"}""", ct);
        return (state, city, user);
    }

    private static List<string> Names(JsonElement places) => places.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
}
