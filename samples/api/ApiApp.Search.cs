using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Hbnb.Api;

/// <summary>POST /places_search: places by states, cities and amenities.</summary>
public sealed partial class ApiApp
{
    private static void MapPlacesSearch(RouteGroupBuilder v1) =>
        v1.MapPost("/places_search", async (HttpRequest request, HbnbDb db) =>
        {
            if (await BodyAsync(request) is not { } body)
            {
                return BadRequest("Not a JSON");
            }

            var states = Ids(body, "states");
            var cities = Ids(body, "cities");
            var amenities = Ids(body, "amenities");
            IQueryable<Place> places = db.Places.Include(p => p.Amenities);

            // The places of the listed states' cities and of the listed cities; none listed: all places.
            if (states.Count > 0 || cities.Count > 0)
            {
                var cityIds = db.Cities.Where(c => states.Contains(c.StateId) || cities.Contains(c.Id)).Select(c => c.Id).ToList();
                places = places.Where(p => cityIds.Contains(p.CityId));
            }

            var found = places.OrderBy(p => p.Name).ToList();

            // Then only those that offer every listed amenity.
            if (amenities.Count > 0)
            {
                found = found.Where(p => amenities.All(a => p.Amenities.Any(pa => pa.Id == a))).ToList();
            }

            return Many(found);
        });

    private static List<string> Ids(JsonElement body, string key) =>
        body.TryGetProperty(key, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
}
