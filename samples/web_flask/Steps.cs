using System.Globalization;
using System.Numerics;
using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace Hbnb.WebFlask;

/// <summary>Step 0 (0-hello_route): <c>/</c> and <c>/airbnb-onepage/</c> say <c>Hello HBNB!</c>. Each later step keeps every route before it.</summary>
public class HelloRoute : IWebApp
{
    /// <inheritdoc />
    public virtual void ConfigureServices(WebApplicationBuilder builder)
    {
    }

    /// <inheritdoc />
    public void Configure(WebApplication app) => Map(app);

    /// <summary>Adds this step's routes (and, through base calls, every earlier step's).</summary>
    protected virtual void Map(WebApplication app)
    {
        app.MapGet("/", () => Text.Html("Hello HBNB!"));

        // The deployment's nginx passes /airbnb-onepage/ on unchanged to this app.
        app.MapGet("/airbnb-onepage", () => Text.Html("Hello HBNB!"));
    }
}

/// <summary>Step 1: <c>/hbnb</c> says <c>HBNB</c>.</summary>
public class HbnbRoute : HelloRoute
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        MapHbnb(app);
    }

    /// <summary>The <c>/hbnb</c> route, which step 100 replaces with the full page.</summary>
    protected virtual void MapHbnb(WebApplication app) => app.MapGet("/hbnb", () => Text.Html("HBNB"));
}

/// <summary>Step 2: <c>/c/&lt;text&gt;</c> says <c>C </c> and the text, underscores as spaces.</summary>
public class CRoute : HbnbRoute
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/c/{text}", (string text) => Text.Html("C " + text.Replace('_', ' ')));
    }
}

/// <summary>Step 3: <c>/python</c> and <c>/python/&lt;text&gt;</c>, the text defaulting to <c>is cool</c>.</summary>
public class PythonRoute : CRoute
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/python/{text?}", (string? text) => Text.Html("Python " + (text ?? "is cool").Replace('_', ' ')));
    }
}

/// <summary>Step 4: <c>/number/&lt;n&gt;</c> says <c>n is a number</c>, only for an integer.</summary>
public class NumberRoute : PythonRoute
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/number/{n}", (string n) => Integer(n) is { } i ? Text.Html($"{i} is a number") : Results.NotFound());
    }

    /// <summary>Flask's int converter: digits only (no sign, no point), leading zeros dropped.</summary>
    protected static BigInteger? Integer(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) ? BigInteger.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary>Step 5: <c>/number_template/&lt;n&gt;</c>, an HTML page.</summary>
public class NumberTemplate : NumberRoute
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/number_template/{n}", (string n, HttpContext context) => Integer(n) is { } i
            ? Pages.Render<Templates.Number>(context, new() { ["N"] = i.ToString(CultureInfo.InvariantCulture) })
            : Task.FromResult(Results.NotFound()));
    }
}

/// <summary>Step 6: <c>/number_odd_or_even/&lt;n&gt;</c>, an HTML page saying which.</summary>
public class NumberOddOrEven : NumberTemplate
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/number_odd_or_even/{n}", (string n, HttpContext context) => Integer(n) is { } i
            ? Pages.Render<Templates.OddOrEven>(context, new() { ["N"] = i.ToString(CultureInfo.InvariantCulture), ["Even"] = i.IsEven })
            : Task.FromResult(Results.NotFound()));
    }
}

/// <summary>Step 7: <c>/states_list</c>, the states from storage sorted by name.</summary>
public class StatesList : NumberOddOrEven
{
    /// <inheritdoc />
    public override void ConfigureServices(WebApplicationBuilder builder)
    {
        base.ConfigureServices(builder);
        builder.Services.AddHbnbStorage();
        Storage.Initialize();
    }

    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/states_list", (HbnbDb db, HttpContext context) =>
            Pages.Render<Templates.StatesList>(context, new() { ["States"] = Pages.States(db, withCities: false) }));
    }


}

/// <summary>Step 8: <c>/cities_by_states</c>, each state with its cities.</summary>
public class CitiesByStates : StatesList
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/cities_by_states", (HbnbDb db, HttpContext context) =>
            Pages.Render<Templates.StatesList>(context, new() { ["States"] = Pages.States(db, withCities: true), ["WithCities"] = true }));
    }
}

/// <summary>Step 9: <c>/states</c> and <c>/states/&lt;id&gt;</c>; an unknown id says <c>Not found!</c>.</summary>
public class States : CitiesByStates
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.MapGet("/states", (HbnbDb db, HttpContext context) =>
            Pages.Render<Templates.StatesList>(context, new() { ["States"] = Pages.States(db, withCities: false) }));
        app.MapGet("/states/{id}", (string id, HbnbDb db, HttpContext context) =>
            Pages.Render<Templates.StatePage>(context, new() { ["State"] = db.States.Include(s => s.Cities).AsNoTracking().FirstOrDefault(s => s.Id == id) }));
    }
}

/// <summary>Step 10: <c>/hbnb_filters</c>, the filters page with its styles and images.</summary>
public class HbnbFilters : States
{
    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        base.Map(app);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(app.Environment.ContentRootPath, "static")),
            RequestPath = "/static",
        });
        app.MapGet("/hbnb_filters", (HbnbDb db, HttpContext context) => Pages.Render<Templates.FiltersPage>(context, Filters(db)));
    }

    /// <summary>The states with their cities and the amenities, for the filters.</summary>
    protected static Dictionary<string, object?> Filters(HbnbDb db) => new()
    {
        ["States"] = Pages.States(db, withCities: true),
        ["Amenities"] = Pages.Amenities(db),
    };
}

/// <summary>Step 100: <c>/hbnb</c> becomes the filters page with the places. The default app: every route.</summary>
[DefaultWebApp]
public class HbnbPage : HbnbFilters
{
    /// <inheritdoc />
    protected override void MapHbnb(WebApplication app) => app.MapGet("/hbnb", (HbnbDb db, HttpContext context) =>
    {
        var page = Filters(db);
        page["Places"] = Pages.Places(db);
        return Pages.Render<Templates.FiltersPage>(context, page);
    });
}
