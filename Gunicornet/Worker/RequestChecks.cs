using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Gunicornet.Worker;

/// <summary>
/// What a worker refuses before the app sees a request, where Kestrel lets through what gunicorn's
/// settings or the HTTP RFCs do not: an oversized header field (<c>limit_request_field_size</c>),
/// control characters in a field value (RFC 9110 §5.5), Transfer-Encoding in HTTP/1.0
/// (RFC 9112 §6.1, request smuggling), a repeated Content-Type, framing or routing fields in chunked
/// trailers (RFC 9110 §6.5.1), and contradictory proxy scheme headers (as gunicorn).
/// </summary>
internal sealed class RequestChecks(int fieldLimit, ForwardedHeaders? forwarded)
{
    /// <summary>Control characters no field value may hold: all below 0x20 but HTAB, and DEL.</summary>
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c != '\t').Select(c => (char)c), (char)0x7F]);

    /// <summary>Fields a trailer must not carry: framing, routing, authentication, request modifiers (Content-Type is let through, as gunicorn does).</summary>
    private static readonly HashSet<string> ForbiddenTrailers = new(StringComparer.OrdinalIgnoreCase)
    {
        "Transfer-Encoding", "Content-Length", "Host", "Content-Encoding", "Content-Range", "Trailer", "TE",
        "Authorization", "Proxy-Authorization", "Cookie", "Cache-Control", "Expect", "Max-Forwards", "Pragma", "Range",
    };

    /// <summary>The refusal for <paramref name="context"/>'s request (status and reason), or null to serve it.</summary>
    public async ValueTask<(int Status, string Reason)?> CheckAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                // "Name: value", as gunicorn measures a field.
                if (name.Length + 2 + value.Length > fieldLimit)
                {
                    return (StatusCodes.Status431RequestHeaderFieldsTooLarge, $"Request Header Fields Too Large: {name}");
                }

                if (value.AsSpan().ContainsAny(Controls))
                {
                    return Bad($"control character in the value of {name}");
                }
            }
        }

        // Content-Length needs no check here: Kestrel parses it (refusing repeats and non-numbers) and
        // hands on only the number, and when Transfer-Encoding comes with it, chunked wins and Kestrel
        // closes the connection after the response.
        var transferEncoding = headers.TransferEncoding;
        if (transferEncoding.Count > 0 && HttpProtocol.IsHttp10(request.Protocol))
        {
            return Bad("Transfer-Encoding in an HTTP/1.0 request");
        }

        if (headers.ContentType.Count > 1)
        {
            return Bad("more than one Content-Type");
        }

        if (forwarded?.Apply(context) is { } proxyError)
        {
            return Bad(proxyError);
        }

        if (transferEncoding.Count > 0 && context.Features.Get<IHttpRequestTrailersFeature>() is not null)
        {
            return await CheckTrailersAsync(context).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// A chunked body's trailers come after it: the body is read first (into ASP.NET's buffer, on
    /// disk beyond 30 KB), the trailers checked, and the body rewound for the app.
    /// </summary>
    private static async ValueTask<(int Status, string Reason)?> CheckTrailersAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        try
        {
            await context.Request.Body.DrainAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            // A malformed chunk: Kestrel's own 400 (or 413), or the rule --http-grammar strict
            // found broken, said here rather than as an app error.
            return (e.StatusCode, $"Bad Request: {e.Message}");
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A chunk size that overflows comes as an IOException, which would reach the app as a 500.
            return Bad(e.Message);
        }

        context.Request.Body.Position = 0;
        var trailers = context.Features.Get<IHttpRequestTrailersFeature>();
        if (trailers is { Available: true })
        {
            foreach (var name in trailers.Trailers.Keys)
            {
                if (ForbiddenTrailers.Contains(name))
                {
                    return Bad($"{name} is not allowed in a trailer");
                }
            }
        }

        return null;
    }

    private static (int Status, string Reason) Bad(string reason) => (StatusCodes.Status400BadRequest, $"Bad Request: {reason}");
}
