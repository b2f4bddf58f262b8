using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace TestApp;

/// <summary>A SignalR hub at /hub: Echo answers with the text and the worker's PID.</summary>
public sealed class SignalRApp : IWebApp
{
    /// <inheritdoc />
    public void ConfigureServices(WebApplicationBuilder builder) => builder.Services.AddSignalR();

    /// <inheritdoc />
    public void Configure(WebApplication app) => app.MapHub<EchoHub>("/hub");
}

/// <summary>The hub of <see cref="SignalRApp"/>.</summary>
public sealed class EchoHub : Hub
{
    /// <summary>The text, and the PID of the worker that holds the connection.</summary>
    public string Echo(string text) => $"{text} {Environment.ProcessId}";
}
