using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hello;

/// <summary>Says hello, and which worker answered.</summary>
public sealed class HelloApp : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        app.MapGet("/", () => $"Hello from Gunicornet worker {Environment.ProcessId}!\n");
        app.MapGet("/pid", () => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
