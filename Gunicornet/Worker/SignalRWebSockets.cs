using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>
/// SignalR (and Blazor Server, whose circuits run on it) across workers. A client first negotiates
/// (<c>POST /hub/negotiate</c>), which creates the connection in the worker that answers, then opens its
/// WebSocket with the connection's token (<c>GET /hub?id=TOKEN</c>) on a new TCP connection, which the
/// kernel gives to any worker. One that did not negotiate it answers 404 "No Connection with that ID"
/// and the circuit fails: measured with the blazor template, 1 page load in 20 with 2 workers, 14 in 20
/// with 4. Such a WebSocket is served where it landed instead, as a new connection, exactly as SignalR
/// serves a client that skips negotiation (its WebSocket-only mode): the request runs once more without
/// its <c>id</c>. A WebSocket the worker knows, and every other request, passes untouched.
/// </summary>
internal static class SignalRWebSockets
{
    /// <summary>What SignalR's dispatcher answers for a connection token it does not know.</summary>
    private const string UnknownConnection = "No Connection with that ID";

    /// <summary>True for a WebSocket request that names a SignalR connection (<c>id</c> in the query): the only requests handled here.</summary>
    public static bool Applies(HttpContext context)
    {
        var request = context.Request;
        if (!request.QueryString.HasValue || !request.Query.ContainsKey("id"))
        {
            return false;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            return request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase);
        }

        // HTTP/2 WebSockets (RFC 8441): an extended CONNECT.
        return context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: var protocol }
            && protocol.Equals("websocket", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Runs <paramref name="next"/>; when SignalR did not know the connection, runs it again as a new one.</summary>
    public static async Task RunAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        var original = response.Body;
        var held = new MemoryStream();
        response.Body = held;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            response.Body = original;
        }

        if (response.HasStarted || response.StatusCode != StatusCodes.Status404NotFound || !Says(held, UnknownConnection))
        {
            // Upgraded (the socket is closed by now), or an answer of the app's own: passed on as it was.
            held.Position = 0;
            await held.CopyToAsync(original, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        context.Request.QueryString = WithoutId(context.Request.Query);
        await next(context).ConfigureAwait(false);
    }

    private static bool Says(MemoryStream body, string text) =>
        body.Length >= text.Length && System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length).StartsWith(text, StringComparison.Ordinal);

    private static QueryString WithoutId(IQueryCollection query) =>
        QueryString.Create(query.Where(p => p.Key != "id").SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
}
