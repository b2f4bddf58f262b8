using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hbnb;

/// <summary>What the HBNB pages show, and how a page is rendered (as Flask's render_template).</summary>
public static class Pages
{
    /// <summary>A template (a Razor component) rendered as the whole response, <c>text/html; charset=utf-8</c>.</summary>
    public static async Task<IResult> Render<TComponent>(HttpContext context, Dictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        var services = context.RequestServices;
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return Results.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>The states sorted by name (ordinal, as Python sorts), with their cities when asked.</summary>
    public static List<State> States(HbnbDb db, bool withCities)
    {
        IQueryable<State> states = db.States.AsNoTracking();
        if (withCities)
        {
            states = states.Include(s => s.Cities);
        }

        return states.ToList().OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The amenities sorted by name.</summary>
    public static List<Amenity> Amenities(HbnbDb db) =>
        db.Amenities.AsNoTracking().ToList().OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

    /// <summary>The places sorted by name, with their owners.</summary>
    public static List<Place> Places(HbnbDb db) =>
        db.Places.Include(p => p.User).AsNoTracking().ToList().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
}
