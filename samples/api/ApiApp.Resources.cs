using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Hbnb.Api;

/// <summary>Cities, amenities, users, places and reviews.</summary>
public sealed partial class ApiApp
{
    private static void MapCities(RouteGroupBuilder v1)
    {
        v1.MapGet("/states/{id}/cities", (string id, HbnbDb db) =>
            db.States.Include(s => s.Cities).FirstOrDefault(s => s.Id == id) is { } state
                ? Many(state.Cities.OrderBy(c => c.Name))
                : NotFound());
        v1.MapGet("/cities/{id}", (string id, HbnbDb db) => One(db.Cities.Find(id)));
        v1.MapDelete("/cities/{id}", (string id, HbnbDb db) => Delete(db, db.Cities.Find(id)));
        v1.MapPost("/states/{id}/cities", (string id, HttpRequest request, HbnbDb db) =>
            CreateAsync<City>(db, request, ["name"], ["state_id"], c => c.StateId = id, db.States.Find(id) is not null));
        v1.MapPut("/cities/{id}", (string id, HttpRequest request, HbnbDb db) => UpdateAsync(db, db.Cities.Find(id), request, ["state_id"]));
    }

    private static void MapAmenities(RouteGroupBuilder v1)
    {
        v1.MapGet("/amenities", (HbnbDb db) => Many(db.Amenities.OrderBy(a => a.Name).ToList()));
        v1.MapGet("/amenities/{id}", (string id, HbnbDb db) => One(db.Amenities.Find(id)));
        v1.MapDelete("/amenities/{id}", (string id, HbnbDb db) => Delete(db, db.Amenities.Find(id)));
        v1.MapPost("/amenities", (HttpRequest request, HbnbDb db) => CreateAsync<Amenity>(db, request, ["name"], []));
        v1.MapPut("/amenities/{id}", (string id, HttpRequest request, HbnbDb db) => UpdateAsync(db, db.Amenities.Find(id), request, []));
    }

    private static void MapUsers(RouteGroupBuilder v1)
    {
        v1.MapGet("/users", (HbnbDb db) => Many(db.Users.OrderBy(u => u.Email).ToList()));
        v1.MapGet("/users/{id}", (string id, HbnbDb db) => One(db.Users.Find(id)));
        v1.MapDelete("/users/{id}", (string id, HbnbDb db) => Delete(db, db.Users.Find(id)));
        v1.MapPost("/users", (HttpRequest request, HbnbDb db) => CreateAsync<User>(db, request, ["email", "password"], []));
        v1.MapPut("/users/{id}", (string id, HttpRequest request, HbnbDb db) => UpdateAsync(db, db.Users.Find(id), request, ["email"]));
    }

    private static void MapPlaces(RouteGroupBuilder v1)
    {
        v1.MapGet("/cities/{id}/places", (string id, HbnbDb db) =>
            db.Cities.Include(c => c.Places).FirstOrDefault(c => c.Id == id) is { } city
                ? Many(city.Places.OrderBy(p => p.Name))
                : NotFound());
        v1.MapGet("/places/{id}", (string id, HbnbDb db) => One(db.Places.Find(id)));
        v1.MapDelete("/places/{id}", (string id, HbnbDb db) => Delete(db, db.Places.Find(id)));
        v1.MapPost("/cities/{id}/places", (string id, HttpRequest request, HbnbDb db) =>
            CreateAsync<Place>(db, request, ["user_id", "name"], ["city_id"], p => p.CityId = id, db.Cities.Find(id) is not null));
        v1.MapPut("/places/{id}", (string id, HttpRequest request, HbnbDb db) =>
            UpdateAsync(db, db.Places.Find(id), request, ["user_id", "city_id"]));
    }

    private static void MapReviews(RouteGroupBuilder v1)
    {
        v1.MapGet("/places/{id}/reviews", (string id, HbnbDb db) =>
            db.Places.Include(p => p.Reviews).FirstOrDefault(p => p.Id == id) is { } place
                ? Many(place.Reviews.OrderBy(r => r.CreatedAt))
                : NotFound());
        v1.MapGet("/reviews/{id}", (string id, HbnbDb db) => One(db.Reviews.Find(id)));
        v1.MapDelete("/reviews/{id}", (string id, HbnbDb db) => Delete(db, db.Reviews.Find(id)));
        v1.MapPost("/places/{id}/reviews", (string id, HttpRequest request, HbnbDb db) =>
            CreateAsync<Review>(db, request, ["user_id", "text"], ["place_id"], r => r.PlaceId = id, db.Places.Find(id) is not null));
        v1.MapPut("/reviews/{id}", (string id, HttpRequest request, HbnbDb db) =>
            UpdateAsync(db, db.Reviews.Find(id), request, ["user_id", "place_id"]));
    }

    private static void MapPlaceAmenities(RouteGroupBuilder v1)
    {
        v1.MapGet("/places/{id}/amenities", (string id, HbnbDb db) =>
            db.Places.Include(p => p.Amenities).FirstOrDefault(p => p.Id == id) is { } place
                ? Many(place.Amenities.OrderBy(a => a.Name))
                : NotFound());
        v1.MapDelete("/places/{placeId}/amenities/{amenityId}", (string placeId, string amenityId, HbnbDb db) =>
        {
            var place = db.Places.Include(p => p.Amenities).FirstOrDefault(p => p.Id == placeId);
            var amenity = place?.Amenities.FirstOrDefault(a => a.Id == amenityId);
            if (place is null || db.Amenities.Find(amenityId) is null || amenity is null)
            {
                return NotFound();
            }

            place.Amenities.Remove(amenity);
            db.SaveChanges();
            return Deleted();
        });
        v1.MapPost("/places/{placeId}/amenities/{amenityId}", (string placeId, string amenityId, HbnbDb db) =>
        {
            var place = db.Places.Include(p => p.Amenities).FirstOrDefault(p => p.Id == placeId);
            var amenity = db.Amenities.Find(amenityId);
            if (place is null || amenity is null)
            {
                return NotFound();
            }

            if (place.Amenities.Any(a => a.Id == amenityId))
            {
                return One(amenity);
            }

            place.Amenities.Add(amenity);
            db.SaveChanges();
            return One(amenity, StatusCodes.Status201Created);
        });
    }
}
