namespace Hbnb;

/// <summary>What every stored object has: a UUID and its creation and update times (UTC).</summary>
public abstract class BaseModel
{
    /// <summary>A UUID4 string, as in the original.</summary>
    public string Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>When it was created.</summary>
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    /// <summary>When it was last saved.</summary>
    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;
}

/// <summary>A US state.</summary>
public sealed class State : BaseModel
{
    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its cities.</summary>
    public List<City> Cities { get; set; } = [];
}

/// <summary>A city of a state.</summary>
public sealed class City : BaseModel
{
    /// <summary>Its state.</summary>
    public string StateId { get; set; } = "";

    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its state.</summary>
    public State? State { get; set; }

    /// <summary>Its places.</summary>
    public List<Place> Places { get; set; } = [];
}

/// <summary>Something a place offers (Wifi, a pool...).</summary>
public sealed class Amenity : BaseModel
{
    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The places that offer it.</summary>
    public List<Place> Places { get; set; } = [];
}

/// <summary>A user: an owner or a reviewer.</summary>
public sealed class User : BaseModel
{
    /// <summary>Email.</summary>
    public string Email { get; set; } = "";

    /// <summary>The MD5 of the password (never shown).</summary>
    public string Password { get; set; } = "";

    /// <summary>First name.</summary>
    public string? FirstName { get; set; }

    /// <summary>Last name.</summary>
    public string? LastName { get; set; }
}

/// <summary>A place to stay.</summary>
public sealed class Place : BaseModel
{
    /// <summary>Its city.</summary>
    public string CityId { get; set; } = "";

    /// <summary>Its owner.</summary>
    public string UserId { get; set; } = "";

    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>A description, which may contain HTML.</summary>
    public string? Description { get; set; }

    /// <summary>Rooms.</summary>
    public int NumberRooms { get; set; }

    /// <summary>Bathrooms.</summary>
    public int NumberBathrooms { get; set; }

    /// <summary>Guests.</summary>
    public int MaxGuest { get; set; }

    /// <summary>Price per night.</summary>
    public int PriceByNight { get; set; }

    /// <summary>Latitude.</summary>
    public double? Latitude { get; set; }

    /// <summary>Longitude.</summary>
    public double? Longitude { get; set; }

    /// <summary>Its city.</summary>
    public City? City { get; set; }

    /// <summary>Its owner.</summary>
    public User? User { get; set; }

    /// <summary>What it offers.</summary>
    public List<Amenity> Amenities { get; set; } = [];

    /// <summary>Its reviews.</summary>
    public List<Review> Reviews { get; set; } = [];
}

/// <summary>A review of a place by a user.</summary>
public sealed class Review : BaseModel
{
    /// <summary>The place.</summary>
    public string PlaceId { get; set; } = "";

    /// <summary>The reviewer.</summary>
    public string UserId { get; set; } = "";

    /// <summary>The text.</summary>
    public string Text { get; set; } = "";

    /// <summary>The reviewer.</summary>
    public User? User { get; set; }
}
