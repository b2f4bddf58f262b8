// An app written for one process: a session, an output cache and a background job. With REDIS (a
// Redis endpoint, e.g. a unix socket's path) the session and the cache live in Redis; with JOB_LOCK
// (a file) the background job runs in one worker at a time. Both are the recipes of the README.
using Microsoft.AspNetCore.OutputCaching;

var builder = WebApplication.CreateBuilder(args);
var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
if (Environment.GetEnvironmentVariable("REDIS") is { Length: > 0 } redis)
{
    builder.Services.AddStackExchangeRedisCache(options => options.Configuration = redis);
    builder.Services.AddStackExchangeRedisOutputCache(options => options.Configuration = redis);
}
else
{
    builder.Services.AddDistributedMemoryCache();
}

builder.Services.AddSession();
builder.Services.AddOutputCache();
builder.Services.AddHostedService<Ticker>();

var app = builder.Build();

// Which worker answered, even with a response the output cache stored.
app.Use((context, next) =>
{
    context.Response.OnStarting(() =>
    {
        context.Response.Headers["X-Worker"] = pid;
        return Task.CompletedTask;
    });
    return next(context);
});
app.UseSession();
app.UseOutputCache();
app.MapGet("/session", (HttpContext context) =>
{
    var count = (context.Session.GetInt32("count") ?? 0) + 1;
    context.Session.SetInt32("count", count);
    return $"{count} {pid}";
});
app.MapGet("/cached", () => $"{Guid.NewGuid():N} {pid}").CacheOutput(policy => policy.Expire(TimeSpan.FromMinutes(5)).Tag("cached"));
app.MapPost("/evict", async (IOutputCacheStore store, CancellationToken ct) =>
{
    await store.EvictByTagAsync("cached", ct);
    return $"evicted {pid}";
});
// The first month in the culture NAME; in invariant globalization only the invariant culture exists.
app.MapGet("/culture", (string name) =>
{
    try
    {
        return System.Globalization.CultureInfo.GetCultureInfo(name).DateTimeFormat.GetMonthName(1);
    }
    catch (System.Globalization.CultureNotFoundException)
    {
        return "invariant";
    }
});
app.Run();

/// <summary>
/// A background job: appends "PID" to the TICKS file every 50 ms. With JOB_LOCK it first takes an
/// exclusive lock on that file (FileShare.None is flock on Linux), so one worker runs it at a time;
/// the lock goes with the process, and a waiting worker takes over.
/// </summary>
internal sealed class Ticker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Environment.GetEnvironmentVariable("TICKS") is not { Length: > 0 } ticks)
        {
            return;
        }

        using var held = await LockAsync(Environment.GetEnvironmentVariable("JOB_LOCK"), stoppingToken);
        var line = Environment.ProcessId + "\n";
        while (!stoppingToken.IsCancellationRequested)
        {
            await File.AppendAllTextAsync(ticks, line, CancellationToken.None);
            await Task.Delay(50, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task<FileStream?> LockAsync(string? path, CancellationToken stoppingToken)
    {
        while (path is { Length: > 0 })
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Another worker runs the job: wait for its lock.
                await Task.Delay(200, stoppingToken);
            }
        }

        return null;
    }
}
