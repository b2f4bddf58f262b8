using System.Net.Sockets;

namespace Gunicornet.Master;

/// <summary>The master's small servers (the control socket, the metrics endpoint): accept until stopped, serve each client on its own.</summary>
internal static class AcceptLoop
{
    /// <summary>Accepts on <paramref name="socket"/> until <paramref name="stop"/> or the socket closes, handing each client to <paramref name="serve"/> without waiting for it.</summary>
    public static async Task RunAsync(Socket socket, Func<Socket, Task> serve, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = serve(client);
        }
    }
}
