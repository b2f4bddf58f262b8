using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace Hbnb.WebDynamic;

/// <summary>The HBNB page in its steps: <c>/0-hbnb</c>, <c>/1-hbnb</c> ... <c>/4-hbnb</c>, <c>/100-hbnb</c>, <c>/101-hbnb</c>.</summary>
public sealed class DynamicApp : IWebApp
{
    /// <summary>The steps of the page.</summary>
    public static readonly int[] Steps = [0, 1, 2, 3, 4, 100, 101];

    /// <inheritdoc />
    public void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddHbnbStorage();
        Storage.Initialize();
    }

    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(app.Environment.ContentRootPath, "static")),
            RequestPath = "/static",
        });
        foreach (var step in Steps)
        {
            app.MapGet($"/{step}-hbnb", (HbnbDb db, HttpContext context) => RenderAsync(step, db, context));
        }
    }

    private static Task<IResult> RenderAsync(int step, HbnbDb db, HttpContext context) =>
        Pages.Render<Templates.HbnbPage>(context, new Dictionary<string, object?>
        {
            ["Step"] = step,
            ["CacheId"] = Guid.NewGuid().ToString(),
            ["States"] = Pages.States(db, withCities: true),
            ["Amenities"] = Pages.Amenities(db),

            // From step 3 on, the browser fetches the places from the API.
            ["Places"] = step < 3 ? Pages.Places(db) : new List<Place>(),
        });
}
