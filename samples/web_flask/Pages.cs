using Microsoft.AspNetCore.Http;

namespace Hbnb.WebFlask;

/// <summary>Responses typed as Flask types them.</summary>
internal static class Text
{
    /// <summary>A returned string: <c>text/html; charset=utf-8</c>.</summary>
    public static IResult Html(string text) => Results.Content(text, "text/html; charset=utf-8");
}
