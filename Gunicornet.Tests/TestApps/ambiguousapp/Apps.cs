using Gunicornet;
using Microsoft.AspNetCore.Builder;

namespace Ambiguous;

/// <summary>One of two.</summary>
public sealed class First : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app) => app.MapGet("/", () => "first");
}

/// <summary>Two of two.</summary>
public sealed class Second : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app) => app.MapGet("/", () => "second");
}
