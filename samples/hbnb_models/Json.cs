using System.Globalization;

namespace Hbnb;

/// <summary>The original's to_dict(): an object's fields by their names, its <c>__class__</c>, and times as <c>YYYY-MM-DDTHH:MM:SS.ffffff</c>.</summary>
public static class Json
{
    /// <summary>The time format of the original.</summary>
    public const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.ffffff";

    /// <summary>An object as the API shows it, keys sorted as Flask's jsonify sorts them. A user's password never appears.</summary>
    public static SortedDictionary<string, object?> ToDict(BaseModel model)
    {
        var dict = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["__class__"] = model.GetType().Name,
            ["id"] = model.Id,
            ["created_at"] = model.CreatedAt.ToString(TimeFormat, CultureInfo.InvariantCulture),
            ["updated_at"] = model.UpdatedAt.ToString(TimeFormat, CultureInfo.InvariantCulture),
        };
        switch (model)
        {
            case State s:
                dict["name"] = s.Name;
                break;
            case City c:
                dict["name"] = c.Name;
                dict["state_id"] = c.StateId;
                break;
            case Amenity a:
                dict["name"] = a.Name;
                break;
            case User u:
                dict["email"] = u.Email;
                dict["first_name"] = u.FirstName;
                dict["last_name"] = u.LastName;
                break;
            case Place p:
                dict["city_id"] = p.CityId;
                dict["user_id"] = p.UserId;
                dict["name"] = p.Name;
                dict["description"] = p.Description;
                dict["number_rooms"] = p.NumberRooms;
                dict["number_bathrooms"] = p.NumberBathrooms;
                dict["max_guest"] = p.MaxGuest;
                dict["price_by_night"] = p.PriceByNight;
                dict["latitude"] = p.Latitude;
                dict["longitude"] = p.Longitude;
                break;
            case Review r:
                dict["place_id"] = r.PlaceId;
                dict["user_id"] = r.UserId;
                dict["text"] = r.Text;
                break;
        }

        return dict;
    }
}
