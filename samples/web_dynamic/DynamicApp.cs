using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

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

    private static async Task<IResult> RenderAsync(int step, HbnbDb db, HttpContext context)
    {
        var parameters = new Dictionary<string, object?>
        {
            ["Step"] = step,
            ["CacheId"] = Guid.NewGuid().ToString(),
            ["States"] = db.States.Include(s => s.Cities).AsNoTracking().ToList().OrderBy(s => s.Name, StringComparer.Ordinal).ToList(),
            ["Amenities"] = db.Amenities.AsNoTracking().ToList().OrderBy(a => a.Name, StringComparer.Ordinal).ToList(),

            // From step 3 on, the browser fetches the places from the API.
            ["Places"] = step < 3
                ? db.Places.Include(p => p.User).AsNoTracking().ToList().OrderBy(p => p.Name, StringComparer.Ordinal).ToList()
                : new List<Place>(),
        };
        var services = context.RequestServices;
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<Templates.HbnbPage>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
