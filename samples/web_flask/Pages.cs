using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hbnb.WebFlask;

/// <summary>Renders a template (a Razor component) as the whole HTML response, as Flask's render_template.</summary>
internal static class Pages
{
    /// <summary>The rendered page, <c>text/html; charset=utf-8</c>.</summary>
    public static async Task<IResult> Render<TComponent>(HttpContext context, Dictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        var services = context.RequestServices;
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return Results.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>A text response typed as Flask types a returned string.</summary>
    public static IResult Text(string text) => Results.Content(text, "text/html; charset=utf-8");
}
