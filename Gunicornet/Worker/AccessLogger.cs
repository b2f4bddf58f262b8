using System.Diagnostics;
using Gunicornet.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>A worker's access log: one line per request, in the configured format.</summary>
internal sealed class AccessLogger(AccessLogFormat format, AccessLogWriter writer) : IAsyncDisposable
{
    /// <summary>Before the request runs: counts the response's bytes when the format shows them.</summary>
    public CountingResponseBody? Begin(HttpContext context)
    {
        if (!format.NeedsLength || context.Features.Get<IHttpResponseBodyFeature>() is not { } body)
        {
            return null;
        }

        var counting = new CountingResponseBody(body);
        context.Features.Set<IHttpResponseBodyFeature>(counting);
        return counting;
    }

    /// <summary>Logs a finished request that started at <paramref name="start"/> (timestamp <paramref name="started"/>).</summary>
    public void Log(HttpContext context, DateTimeOffset start, long started, CountingResponseBody? body)
    {
        var request = context.Request;
        var response = context.Response;
        writer.Write(format.Format(new AccessEntry(
            context.Connection.RemoteIpAddress?.ToString() ?? "-",
            request.Method,
            request.PathBase.Add(request.Path).ToString(),
            request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            request.Protocol,
            response.StatusCode,
            response.ContentLength ?? body?.Bytes,
            start,
            Stopwatch.GetElapsedTime(started),
            name => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            name => response.Headers.TryGetValue(name, out var value) ? value.ToString() : null)));
    }

    /// <summary>Reopens the log file (USR1).</summary>
    public void Reopen() => writer.Reopen();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
