using System.Text.Json;

namespace Hbnb.Api;

/// <summary>Sets an object's fields from a JSON body, as the original's setattr loop does.</summary>
internal static class Updates
{
    private static readonly string[] AlwaysIgnored = ["id", "created_at", "updated_at", "__class__"];

    /// <summary>Applies every known field of <paramref name="body"/> except the ignored ones.</summary>
    public static void Apply(BaseModel model, JsonElement body, string[] ignored)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (AlwaysIgnored.Contains(property.Name) || ignored.Contains(property.Name))
            {
                continue;
            }

            Set(model, property.Name, property.Value);
        }
    }

    private static void Set(BaseModel model, string key, JsonElement value)
    {
        switch (model, key)
        {
            case (State s, "name"):
                s.Name = Str(value);
                break;
            case (City c, "name"):
                c.Name = Str(value);
                break;
            case (City c, "state_id"):
                c.StateId = Str(value);
                break;
            case (Amenity a, "name"):
                a.Name = Str(value);
                break;
            case (User u, "email"):
                u.Email = Str(value);
                break;
            case (User u, "password"):
                u.Password = SeedData.Md5(Str(value));
                break;
            case (User u, "first_name"):
                u.FirstName = Str(value);
                break;
            case (User u, "last_name"):
                u.LastName = Str(value);
                break;
            case (Place p, _):
                SetPlace(p, key, value);
                break;
            case (Review r, "text"):
                r.Text = Str(value);
                break;
            case (Review r, "place_id"):
                r.PlaceId = Str(value);
                break;
            case (Review r, "user_id"):
                r.UserId = Str(value);
                break;
        }
    }

    private static void SetPlace(Place p, string key, JsonElement value)
    {
        switch (key)
        {
            case "name":
                p.Name = Str(value);
                break;
            case "description":
                p.Description = Str(value);
                break;
            case "city_id":
                p.CityId = Str(value);
                break;
            case "user_id":
                p.UserId = Str(value);
                break;
            case "number_rooms":
                p.NumberRooms = Int(value, p.NumberRooms);
                break;
            case "number_bathrooms":
                p.NumberBathrooms = Int(value, p.NumberBathrooms);
                break;
            case "max_guest":
                p.MaxGuest = Int(value, p.MaxGuest);
                break;
            case "price_by_night":
                p.PriceByNight = Int(value, p.PriceByNight);
                break;
            case "latitude":
                p.Latitude = value.ValueKind == JsonValueKind.Number ? value.GetDouble() : p.Latitude;
                break;
            case "longitude":
                p.Longitude = value.ValueKind == JsonValueKind.Number ? value.GetDouble() : p.Longitude;
                break;
        }
    }

    private static string Str(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static int Int(JsonElement value, int current) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n
        : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out n) ? n
        : current;
}
