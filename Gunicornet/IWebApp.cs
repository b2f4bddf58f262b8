using Microsoft.AspNetCore.Builder;

namespace Gunicornet;

/// <summary>
/// An ASP.NET Core application that Gunicornet serves: the counterpart of a WSGI callable.
/// Name it on the command line as <c>Assembly.dll:Namespace.Type</c>, or as <c>Assembly.dll</c>
/// when the assembly has a single implementation (or marks one with <see cref="DefaultWebAppAttribute"/>).
/// </summary>
/// <remarks>
/// Every worker process creates its own instance (there is no preloading: see the README).
/// The type needs a public parameterless constructor. Gunicornet owns the listening sockets:
/// addresses the app configures itself are replaced by the ones given with <c>--bind</c>.
/// </remarks>
public interface IWebApp
{
    /// <summary>Registers services and configuration before the app is built. Defaults to doing nothing.</summary>
    /// <param name="builder">The builder, with its content root set to the app's folder (or <c>--chdir</c>).</param>
    void ConfigureServices(WebApplicationBuilder builder)
    {
    }

    /// <summary>Adds middleware and endpoints to the built app.</summary>
    /// <param name="app">The app, already configured to listen on the sockets the master handed down.</param>
    void Configure(WebApplication app);
}

/// <summary>
/// Marks the <see cref="IWebApp"/> that Gunicornet serves when the command line names only the assembly
/// and the assembly holds several implementations.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DefaultWebAppAttribute : Attribute
{
}
