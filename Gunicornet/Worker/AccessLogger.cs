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

    /// <summary>
    /// Logs a finished request that started at <paramref name="start"/> (timestamp <paramref name="started"/>).
    /// <paramref name="failed"/>: the app threw; unless the response had started, Kestrel answers 500.
    /// </summary>
    public void Log(HttpContext context, DateTimeOffset start, long started, CountingResponseBody? body, bool failed)
    {
        var request = context.Request;
        var response = context.Response;
        var replaced = failed && !response.HasStarted;
        var status = replaced ? StatusCodes.Status500InternalServerError : response.StatusCode;
        writer.Write(format.Format(new AccessEntry(
            context.Connection.RemoteIpAddress?.ToString() ?? "-",
            request.Method,
            request.PathBase.Add(request.Path).Value ?? "",
            request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            request.Protocol,
            status,
            body is null ? response.ContentLength : replaced ? 0 : SentBytes(request.Method, status, body),
            start,
            Stopwatch.GetElapsedTime(started),
            name => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            name => response.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            name => Environ(context, name),
            context.Features.Get<IHttpRequestFeature>()?.RawTarget)));
    }

    /// <summary>
    /// A variable of the request's environment as a WSGI server (gunicorn) names it, for <c>%({NAME}e)s</c>
    /// (any case): REQUEST_METHOD, SCRIPT_NAME, PATH_INFO, QUERY_STRING, RAW_URI, SERVER_PROTOCOL,
    /// SERVER_NAME, SERVER_PORT, REMOTE_ADDR, REMOTE_PORT, CONTENT_TYPE, CONTENT_LENGTH,
    /// wsgi.url_scheme, and HTTP_* for each request header; null for anything else.
    /// </summary>
    internal static string? Environ(HttpContext context, string name)
    {
        var request = context.Request;
        var connection = context.Connection;
        var key = name.ToUpperInvariant();
        return key switch
        {
            "REQUEST_METHOD" => request.Method,
            "SCRIPT_NAME" => request.PathBase.Value ?? "",
            "PATH_INFO" => request.Path.Value ?? "",
            "QUERY_STRING" => request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            "RAW_URI" => context.Features.Get<IHttpRequestFeature>()?.RawTarget,
            "SERVER_PROTOCOL" => request.Protocol,
            "SERVER_NAME" => request.Host.HasValue ? request.Host.Host : connection.LocalIpAddress?.ToString(),
            "SERVER_PORT" => connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "REMOTE_ADDR" => connection.RemoteIpAddress?.ToString(),
            "REMOTE_PORT" => connection.RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "CONTENT_TYPE" => request.ContentType,
            "CONTENT_LENGTH" => request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "WSGI.URL_SCHEME" => request.Scheme,
            _ when key.StartsWith("HTTP_", StringComparison.Ordinal) && request.Headers.TryGetValue(key[5..].Replace('_', '-'), out var value) => value.ToString(),
            _ => null,
        };
    }

    /// <summary>
    /// The body bytes sent, as gunicorn counts them: none for HEAD, 1xx, 204 and 304, whose bodies
    /// the server drops (RFC 9110).
    /// </summary>
    private static long SentBytes(string method, int status, CountingResponseBody body) =>
        HttpMethods.IsHead(method) || status is < 200 or 204 or 304 ? 0 : body.Bytes;

    /// <summary>Reopens the log file (USR1).</summary>
    public void Reopen() => writer.Reopen();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
