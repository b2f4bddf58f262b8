using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TestApp;

/// <summary>The default app: routes the process tests probe.</summary>
[DefaultWebApp]
public sealed class MainApp : IWebApp
{
    private static readonly List<byte[]> Leaked = [];

    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        var env = app.Services.GetRequiredService<IWebHostEnvironment>();
        app.UseStaticFiles();
        app.MapGet("/", () => "main");
        app.MapGet("/pid", () => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A NuGet dependency of the app, loaded from the app's own folder.
        app.MapGet("/json", () => Newtonsoft.Json.JsonConvert.SerializeObject(new { library = "Newtonsoft.Json" }));
        app.MapGet("/contentroot", () => env.ContentRootPath);
        app.MapGet("/greeting", () => File.ReadAllText("greeting.txt").Trim());
        app.MapGet("/name", () => env.ApplicationName);
        app.MapGet("/throw", string () => throw new InvalidOperationException("thrown by /throw (test fixture)"));
        app.MapGet("/env", (string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)");
        app.MapGet("/appcontext", (string name) => AppContext.GetData(name)?.ToString() ?? "(unset)");
        app.MapGet("/gc", () => System.Runtime.GCSettings.IsServerGC ? "server" : "workstation");
        app.MapGet("/remote", (HttpContext context) => $"{context.Connection.RemoteIpAddress} {context.Request.Scheme}");
        app.MapGet("/peer", (HttpContext context) => $"{context.Connection.RemoteIpAddress} {context.Connection.RemotePort} {context.Connection.LocalIpAddress} {context.Connection.LocalPort}");

        // A line through the app's own ILogger, at Information and at Debug.
        app.MapGet("/log", (string text, Microsoft.Extensions.Logging.ILogger<MainApp> log) =>
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(log, "app says {Text}", text);
            Microsoft.Extensions.Logging.LoggerExtensions.LogDebug(log, "app whispers {Text}", text);
            return "logged";
        });

        // What the app writes to its standard output.
        app.MapGet("/print", (string text) =>
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
            return "printed";
        });

        // Blocks every thread-pool thread: the worker's heartbeat (from the pool) falls silent.
        app.MapGet("/starve", (int seconds) =>
        {
            ThreadPool.SetMaxThreads(Environment.ProcessorCount, 1000);
            for (var i = 0; i < Environment.ProcessorCount * 4; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_ => Thread.Sleep(TimeSpan.FromSeconds(seconds)), null);
            }

            Console.Error.WriteLine($"starving {Environment.ProcessId}");
            return "starving";
        });

        // A leak: every call keeps another megabyte (touched, so it is resident) for the life of the process.
        app.MapGet("/leak", () =>
        {
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)1);
            Leaked.Add(block);
            return Leaked.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });

        // Tells the test on stderr when it has started, so the test knows it is in flight.
        app.MapGet("/slow", async (int ms, string? tag) =>
        {
            Console.Error.WriteLine($"slow-started {tag}");
            await Task.Delay(ms);
            return "slow-done";
        });
    }
}

/// <summary>A second app in the same assembly, chosen with testapp.dll:TestApp.OtherApp.</summary>
public sealed class OtherApp : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app) => app.MapGet("/", () => "other");
}

/// <summary>An app whose configuration throws: the worker cannot load it.</summary>
public sealed class BrokenApp : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app) =>
        throw new InvalidOperationException("BrokenApp refuses to configure (test fixture)");
}

/// <summary>An app that takes far too long to boot.</summary>
public sealed class SlowBootApp : IWebApp
{
    /// <inheritdoc />
    public void ConfigureServices(WebApplicationBuilder builder) => Thread.Sleep(TimeSpan.FromMinutes(5));

    /// <inheritdoc />
    public void Configure(WebApplication app) => app.MapGet("/", () => "slow boot");
}

/// <summary>An app that crashes a moment after it is ready, every time.</summary>
public sealed class CrashingApp : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        app.MapGet("/", () => "crashing");
        app.Lifetime.ApplicationStarted.Register(() => Task.Delay(100).ContinueWith(_ => Environment.Exit(1), TaskScheduler.Default));
    }
}

/// <summary>A type that is no app.</summary>
public sealed class NotAnApp
{
}

/// <summary>Answers every method and path with 200 once it has read the whole body: "METHOD PATH BYTES".</summary>
public sealed class EchoApp : IWebApp
{
    /// <inheritdoc />
    public void Configure(WebApplication app) => app.Run(async context =>
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path} {total}");
    });
}
