using System.Security.Cryptography;
using System.Text;

namespace Hbnb;

/// <summary>
/// The seed data set, made for these samples: US states and cities, amenities, a few users, places
/// and reviews. IDs are derived from names, so a fresh seed always has the same ones.
/// </summary>
public static class SeedData
{
    private static readonly (string State, string[] Cities)[] StatesAndCities =
    [
        ("Alabama", ["Akron", "Babbie", "Calera", "Fairfield"]),
        ("Arizona", ["Douglas", "Kearny", "Tempe"]),
        ("California", ["Fremont", "Napa", "San Francisco", "San Jose"]),
        ("Illinois", ["Chicago", "Joliet", "Naperville", "Peoria"]),
        ("Louisiana", ["Baton rouge", "Lafayette", "New Orleans"]),
        ("Nevada", ["Henderson", "Las Vegas", "Reno"]),
        ("New York", ["Albany", "Buffalo", "Jackson", "New York"]),
        ("Texas", ["Austin", "Dallas", "Houston"]),
    ];

    private static readonly string[] AmenityNames =
        ["Wifi", "Cable TV", "Kitchen", "Pool", "Air conditioning", "Heating", "Washer", "Dryer", "Free parking", "Pets allowed"];

    private static readonly (string Email, string First, string Last)[] People =
    [
        ("maya@hbnb.example", "Maya", "Tran"),
        ("omar@hbnb.example", "Omar", "Haddad"),
        ("lena@hbnb.example", "Lena", "Fischer"),
        ("sam@hbnb.example", "Sam", "Okafor"),
        ("june@hbnb.example", "June", "Park"),
    ];

    private static readonly (string Name, string City, int Owner, int Rooms, int Baths, int Guests, int Price, string[] Amenities, string Description)[] Homes =
    [
        ("Sunny loft", "San Francisco", 0, 1, 1, 2, 180, ["Wifi", "Kitchen", "Heating"], "A bright loft above a bakery.<br />Walk to the <b>ferry building</b> in ten minutes."),
        ("Napa cottage", "Napa", 1, 2, 1, 4, 220, ["Wifi", "Kitchen", "Free parking", "Pool"], "<p>A cottage among the vines.</p><p>Breakfast on the porch.</p>"),
        ("Lake view", "Chicago", 2, 3, 2, 6, 140, ["Wifi", "Cable TV", "Washer", "Dryer"], "Three bedrooms looking over <em>Lake Michigan</em>."),
        ("French Quarter studio", "New Orleans", 3, 1, 1, 2, 95, ["Wifi", "Air conditioning"], "Jazz below the balcony every night.<br />Bring earplugs."),
        ("Desert house", "Tempe", 4, 4, 3, 8, 260, ["Pool", "Air conditioning", "Free parking", "Pets allowed"], "<b>Saguaros</b> in the garden, a pool in the courtyard."),
        ("Brownstone room", "New York", 0, 1, 1, 1, 120, ["Wifi", "Heating"], "One quiet room in a Brooklyn brownstone."),
        ("Strip apartment", "Las Vegas", 1, 2, 2, 4, 160, ["Wifi", "Pool", "Air conditioning", "Cable TV"], "Ten minutes from the Strip.<br />Check-in after 3&nbsp;pm."),
        ("Ranch bunkhouse", "Austin", 2, 5, 2, 10, 300, ["Free parking", "Kitchen", "Pets allowed"], "Sleeps ten; horses next door."),
        ("Capitol flat", "Albany", 3, 2, 1, 3, 85, ["Wifi", "Heating", "Washer"], "Near the capitol, far from the noise."),
        ("Reno cabin", "Reno", 4, 2, 1, 4, 110, ["Heating", "Free parking", "Kitchen"], "<p>A log cabin <i>twenty minutes</i> from the slopes.</p>"),
    ];

    private static readonly (int Home, int Author, string Text)[] Opinions =
    [
        (0, 1, "Lovely light, and the bakery smell in the morning is unbeatable."),
        (0, 2, "Great host. The stairs are steep."),
        (1, 0, "We did not want to leave."),
        (2, 4, "Perfect for a family weekend."),
        (3, 2, "Noisy, as promised. Wonderful."),
        (4, 3, "The pool saved us from the heat."),
        (6, 4, "Clean and close to everything."),
        (7, 1, "Our dog loved the horses."),
        (9, 0, "Cozy after a day of skiing."),
    ];

    /// <summary>Adds the whole set to an empty database.</summary>
    public static void Load(HbnbDb db)
    {
        var cities = new Dictionary<string, City>();
        foreach (var (stateName, cityNames) in StatesAndCities)
        {
            var state = new State { Id = Id("state", stateName), Name = stateName };
            foreach (var cityName in cityNames)
            {
                var city = new City { Id = Id("city", stateName + "/" + cityName), Name = cityName, StateId = state.Id };
                state.Cities.Add(city);
                cities[cityName] = city;
            }

            db.States.Add(state);
        }

        var amenities = AmenityNames.ToDictionary(n => n, n => new Amenity { Id = Id("amenity", n), Name = n });
        db.Amenities.AddRange(amenities.Values);
        var users = People.Select(p => new User
        {
            Id = Id("user", p.Email),
            Email = p.Email,
            Password = Md5(p.First.ToLowerInvariant() + "-password"),
            FirstName = p.First,
            LastName = p.Last,
        }).ToList();
        db.Users.AddRange(users);
        var places = Homes.Select(h => new Place
        {
            Id = Id("place", h.Name),
            Name = h.Name,
            CityId = cities[h.City].Id,
            UserId = users[h.Owner].Id,
            NumberRooms = h.Rooms,
            NumberBathrooms = h.Baths,
            MaxGuest = h.Guests,
            PriceByNight = h.Price,
            Description = h.Description,
            Amenities = h.Amenities.Select(a => amenities[a]).ToList(),
        }).ToList();
        db.Places.AddRange(places);
        db.Reviews.AddRange(Opinions.Select((o, i) => new Review
        {
            Id = Id("review", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            PlaceId = places[o.Home].Id,
            UserId = users[o.Author].Id,
            Text = o.Text,
        }));
        db.SaveChanges();
    }

    /// <summary>The MD5 of a password, hex, as the original stores it.</summary>
    public static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A stable UUID for a seeded object (its kind and name hashed).</summary>
    private static string Id(string kind, string name)
    {
        var bytes = MD5.HashData(Encoding.UTF8.GetBytes(kind + ":" + name));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
