using System.Net.Sockets;

namespace Gunicornet.Tests.Support;

/// <summary>HTTP requests from tests: a new connection for each, so that any worker may answer.</summary>
internal static class Http
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>GET <paramref name="path"/>; returns status and body.</summary>
    public static async Task<(int Status, string Body)> Get(Uri baseUrl, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, path));
        request.Headers.ConnectionClose = true;
        using var response = await Client.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Any request, with an optional body; returns status, body and the response.</summary>
    public static async Task<(int Status, string Body, HttpResponseMessage Response)> Send(
        HttpMethod method, Uri baseUrl, string path, CancellationToken cancellationToken, string? body = null, string contentType = "application/json", string? origin = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path));
        request.Headers.ConnectionClose = true;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, contentType);
        }

        var response = await Client.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response);
    }

    /// <summary>GET over a unix domain socket.</summary>
    public static async Task<(int Status, string Body)> GetUnix(string socketPath, string path, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(new Uri("http://localhost" + path), cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>True when a server answers 200 to GET / on the unix socket now (for polling until it does).</summary>
    public static bool ServesUnix(string socketPath, CancellationToken cancellationToken)
    {
        try
        {
            return GetUnix(socketPath, "/", cancellationToken).GetAwaiter().GetResult().Status == 200;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when a new server could listen on 127.0.0.1:<paramref name="port"/> now (as gunicornet
    /// binds: with SO_REUSEADDR): the port is free.
    /// </summary>
    public static bool CanBind(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // SOL_SOCKET, SO_REUSEADDR alone (.NET's ReuseAddress would add SO_REUSEPORT).
        socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        try
        {
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
