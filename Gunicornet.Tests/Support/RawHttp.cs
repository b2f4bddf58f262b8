using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Gunicornet.Tests.Support;

/// <summary>Raw bytes to a server and the statuses that come back: for malformed and hostile requests no HTTP client would send.</summary>
internal static partial class RawHttp
{
    /// <summary>The corpus's convention: the file's newlines dropped, then \r \n \t \0 \xHH turned into bytes.</summary>
    public static byte[] Decode(string text)
    {
        text = text.Replace("\n", "", StringComparison.Ordinal);
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                switch (text[i + 1])
                {
                    case 'r':
                        bytes.Add((byte)'\r');
                        i++;
                        continue;
                    case 'n':
                        bytes.Add((byte)'\n');
                        i++;
                        continue;
                    case 't':
                        bytes.Add((byte)'\t');
                        i++;
                        continue;
                    case '0':
                        bytes.Add(0);
                        i++;
                        continue;
                    case 'x' when i + 3 < text.Length:
                        bytes.Add(byte.Parse(text.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                        continue;
                }
            }

            bytes.Add((byte)text[i]);
        }

        return [.. bytes];
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads what comes back: until the server closes, or, when it
    /// goes quiet for 1.5 s, after closing our side (an unfinished request then ends). Returns the
    /// status of every response and whether the server closed the connection.
    /// </summary>
    public static async Task<(List<int> Statuses, bool Closed)> Exchange(int port, byte[] request, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        return await Exchange(socket, request, ct);
    }

    /// <summary>The same, on a connection already open.</summary>
    public static async Task<(List<int> Statuses, bool Closed)> Exchange(Socket socket, byte[] request, CancellationToken ct)
    {
        try
        {
            await socket.SendAsync(request, ct);
        }
        catch (SocketException)
        {
            // Refused part way: what came back still counts.
        }

        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var closed = false;
        var halfClosed = false;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!closed && DateTime.UtcNow < deadline)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
            quiet.CancelAfter(TimeSpan.FromSeconds(1.5));
            try
            {
                var n = await socket.ReceiveAsync(buffer, quiet.Token);
                if (n == 0)
                {
                    closed = true;
                }
                else
                {
                    received.Write(buffer, 0, n);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (halfClosed)
                {
                    break;
                }

                socket.Shutdown(SocketShutdown.Send);
                halfClosed = true;
            }
            catch (SocketException)
            {
                closed = true;
            }
        }

        var statuses = StatusLine().Matches(Encoding.Latin1.GetString(received.ToArray()))
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        return (statuses, closed);
    }

    [GeneratedRegex(@"HTTP/1\.[01] (\d{3}) ")]
    private static partial Regex StatusLine();
}
