using System.Text.Encodings.Web;
using System.Text.Json;
using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hbnb.Api;

/// <summary>The v1 REST API of the AirBnB clone, under <c>/api/v1</c>.</summary>
public sealed partial class ApiApp : IWebApp
{
    /// <summary>JSON as Flask's jsonify writes it: keys as given (sorted by the callers), HTML left alone.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddHbnbStorage();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod()));
        Storage.Initialize();
    }

    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        app.UseCors();
        var v1 = app.MapGroup("/api/v1");
        v1.MapGet("/status", () => Ok(new SortedDictionary<string, object?> { ["status"] = "OK" }));
        v1.MapGet("/stats", (HbnbDb db) => Ok(new SortedDictionary<string, object?>
        {
            ["amenities"] = db.Amenities.Count(),
            ["cities"] = db.Cities.Count(),
            ["places"] = db.Places.Count(),
            ["reviews"] = db.Reviews.Count(),
            ["states"] = db.States.Count(),
            ["users"] = db.Users.Count(),
        }));
        MapStates(v1);
        MapCities(v1);
        MapAmenities(v1);
        MapUsers(v1);
        MapPlaces(v1);
        MapReviews(v1);
        MapPlaceAmenities(v1);
        MapPlacesSearch(v1);

        // Flask's errorhandler(404): every unknown URL answers in JSON.
        app.MapFallback(() => NotFound());
    }

    internal static IResult Ok(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, JsonOptions, statusCode: status);

    internal static IResult NotFound() => Ok(new SortedDictionary<string, object?> { ["error"] = "Not found" }, StatusCodes.Status404NotFound);

    internal static IResult BadRequest(string error) => Ok(new SortedDictionary<string, object?> { ["error"] = error }, StatusCodes.Status400BadRequest);

    internal static IResult Deleted() => Ok(new SortedDictionary<string, object?>());

    internal static IResult One(BaseModel? model, int status = StatusCodes.Status200OK) => model is null ? NotFound() : Ok(Json.ToDict(model), status);

    internal static IResult Many(IEnumerable<BaseModel> models) => Ok(models.Select(Json.ToDict).ToList());

    /// <summary>The request body as a JSON object, or null when it is not one (the original's get_json(silent=True)).</summary>
    internal static async Task<JsonElement?> BodyAsync(HttpRequest request)
    {
        if (request.ContentType is null || !request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The string value of <paramref name="key"/>, or null when the body has none.</summary>
    internal static string? Text(JsonElement body, string key) =>
        body.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())
            : null;

    private static void MapStates(RouteGroupBuilder v1)
    {
        v1.MapGet("/states", (HbnbDb db) => Many(db.States.OrderBy(s => s.Name).ToList()));
        v1.MapGet("/states/{id}", (string id, HbnbDb db) => One(db.States.Find(id)));
        v1.MapDelete("/states/{id}", (string id, HbnbDb db) => Delete(db, db.States.Find(id)));
        v1.MapPost("/states", (HttpRequest request, HbnbDb db) => CreateAsync<State>(db, request, ["name"], []));
        v1.MapPut("/states/{id}", (string id, HttpRequest request, HbnbDb db) => UpdateAsync(db, db.States.Find(id), request, []));
    }

    /// <summary>
    /// POST: 404 when the parent is unknown, 400 "Not a JSON", 400 "Missing FIELD" for the first
    /// missing field (a given <c>user_id</c> must name a user: 404), else the new object with 201.
    /// </summary>
    internal static async Task<IResult> CreateAsync<T>(HbnbDb db, HttpRequest request, string[] required, string[] ignored, Action<T>? attach = null, bool parentFound = true)
        where T : BaseModel, new()
    {
        if (!parentFound)
        {
            return NotFound();
        }

        if (await BodyAsync(request) is not { } body)
        {
            return BadRequest("Not a JSON");
        }

        foreach (var field in required)
        {
            if (Text(body, field) is not { } value)
            {
                return BadRequest($"Missing {field}");
            }

            if (field == "user_id" && db.Users.Find(value) is null)
            {
                return NotFound();
            }
        }

        var model = new T();
        Updates.Apply(model, body, ignored);
        attach?.Invoke(model);
        db.Add(model);
        db.SaveChanges();
        return One(model, StatusCodes.Status201Created);
    }

    /// <summary>Deletes an object: 200 with {} or 404.</summary>
    internal static IResult Delete(HbnbDb db, BaseModel? model)
    {
        if (model is null)
        {
            return NotFound();
        }

        db.Remove(model);
        db.SaveChanges();
        return Deleted();
    }

    /// <summary>PUT: 404, 400 "Not a JSON", or the updated object; ignoring id, times and <paramref name="alsoIgnored"/>.</summary>
    internal static async Task<IResult> UpdateAsync(HbnbDb db, BaseModel? model, HttpRequest request, string[] alsoIgnored)
    {
        if (model is null)
        {
            return NotFound();
        }

        if (await BodyAsync(request) is not { } body)
        {
            return BadRequest("Not a JSON");
        }

        Updates.Apply(model, body, alsoIgnored);
        db.SaveChanges();
        return One(model);
    }
}
