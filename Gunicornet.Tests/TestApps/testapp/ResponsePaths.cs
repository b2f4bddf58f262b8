using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Gunicornet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TestApp;

/// <summary>
/// Every way an app can write a response, one route each: what the server puts around a request
/// (the access log's byte count, the request counters) must change none of them.
/// </summary>
public sealed class ResponsePathsApp : IWebApp
{
    /// <summary>The payload the routes send: 40 kB of text, enough to need several flushes.</summary>
    public static readonly byte[] Payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 4000).Select(i => $"line {i:D4}\n")));

    /// <inheritdoc />
    public void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddResponseCompression(options => options.MimeTypes = ["text/plain"]);
    }

    /// <inheritdoc />
    public void Configure(WebApplication app)
    {
        // Written by each worker for itself, removed when it stops.
        var file = Path.Combine(Path.GetTempPath(), $"testapp-payload-{Environment.ProcessId}.txt");
        File.WriteAllBytes(file, Payload);

        // The same Last-Modified from every worker and every server.
        File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        app.Lifetime.ApplicationStopped.Register(() => File.Delete(file));
        var records = Enumerable.Range(0, 2000).Select(i => new { Id = i, Name = $"record {i}", Tags = new[] { "a", "b" } }).ToArray();

        app.UseWebSockets();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/compressed"), branch => branch.UseResponseCompression());

        // System.Text.Json through the PipeWriter (what minimal APIs and MVC do for JSON).
        app.MapGet("/json", () => records);
        app.MapGet("/json-write", (HttpContext c) => c.Response.WriteAsJsonAsync(records));
        app.MapGet("/results-json", () => Results.Json(records));

        // Files: Kestrel's SendFileAsync, directly and through Results.File.
        app.MapGet("/sendfile", (HttpContext c) => c.Response.SendFileAsync(file));
        app.MapGet("/sendfile-range", (HttpContext c) => c.Response.SendFileAsync(file, 100, 1000));
        app.MapGet("/results-file", () => Results.File(file, "text/plain"));
        app.MapGet("/results-bytes", () => Results.Bytes(Payload, "application/octet-stream"));
        app.MapGet("/results-stream", () => Results.Stream(new MemoryStream(Payload), "application/octet-stream"));

        // Streaming: writes with flushes in between, through the Stream and through the PipeWriter.
        app.MapGet("/stream", async (HttpContext c) =>
        {
            for (var i = 0; i < 10; i++)
            {
                await c.Response.Body.WriteAsync(Payload.AsMemory(i * 100, 100));
                await c.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/bodywriter", async (HttpContext c) =>
        {
            for (var i = 0; i < 10; i++)
            {
                var span = c.Response.BodyWriter.GetSpan(1000);
                Payload.AsSpan(i * 1000, 1000).CopyTo(span);
                c.Response.BodyWriter.Advance(1000);
                await c.Response.BodyWriter.FlushAsync();
            }
        });
        app.MapGet("/bodywriter-write", async (HttpContext c) => await c.Response.BodyWriter.WriteAsync(Payload));
        app.MapGet("/bodywriter-stream", async (HttpContext c) =>
        {
            await using var stream = c.Response.BodyWriter.AsStream(leaveOpen: true);
            await stream.WriteAsync(Payload);
        });
        app.MapGet("/copy", async (HttpContext c) => await new MemoryStream(Payload).CopyToAsync(c.Response.BodyWriter));

        // StartAsync before the body, CompleteAsync before the handler returns.
        app.MapGet("/start", async (HttpContext c) =>
        {
            c.Response.Headers["X-Started"] = "yes";
            await c.Response.StartAsync();
            await c.Response.WriteAsync("after start\n");
        });
        app.MapGet("/complete", async (HttpContext c) =>
        {
            await c.Response.WriteAsync("before complete\n");
            await c.Response.CompleteAsync();
            await Task.Delay(50);
        });

        // A body the middleware replaces with a buffer and puts back, as body-capturing middleware does.
        app.MapGet("/swap", async (HttpContext c) =>
        {
            var original = c.Response.Body;
            var buffer = new MemoryStream();
            c.Response.Body = buffer;
            await c.Response.WriteAsync("captured then copied\n");
            c.Response.Body = original;
            buffer.Position = 0;
            await buffer.CopyToAsync(c.Response.Body);
        });

        // Response compression (gzip when the client accepts it): the bytes sent are the compressed ones.
        app.MapGet("/compressed", () => Results.Bytes(Payload, "text/plain"));

        app.MapGet("/throw", string () => throw new InvalidOperationException("thrown by /throw (test fixture)"));
        app.MapGet("/empty", () => Results.NoContent());
        app.MapGet("/not-modified", (HttpContext c) => c.Response.StatusCode = 304);

        // A WebSocket that echoes each message with its worker's PID until the client closes, and
        // logs the close it saw (through the app's own ILogger).
        app.Map("/ws-echo", async (HttpContext c, Microsoft.Extensions.Logging.ILoggerFactory loggers) =>
        {
            using var socket = await c.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(loggers.CreateLogger("ws-echo"), "ws-echo saw the close: {Status} {Description}", (int?)socket.CloseStatus, socket.CloseStatusDescription);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                var reply = System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}:{System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                await socket.SendAsync(reply, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        });

        // A WebSocket that echoes one message, then closes.
        app.Map("/ws", async (HttpContext c) =>
        {
            if (!c.WebSockets.IsWebSocketRequest)
            {
                c.Response.StatusCode = 400;
                return;
            }

            using var socket = await c.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        });
    }
}
