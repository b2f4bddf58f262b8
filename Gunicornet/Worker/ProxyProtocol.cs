using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Gunicornet.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Worker;

/// <summary>
/// The PROXY protocol at the connection layer (<c>--proxy-protocol</c>, DESIGN §15), before TLS and
/// the HTTP parser. From a peer in <c>--proxy-allow-from</c> a connection must open with a header
/// (<see cref="ProxyHeader"/>); the client's address and port in it become the connection's remote
/// endpoint, which the app, the access log and <c>--forwarded-allow-ips</c> then see. A missing,
/// malformed or late header from such a peer, or a header from any other peer, closes the
/// connection: one debug line says which rule, and the refusal is counted. A connection from
/// another peer without a header is served as it is.
/// </summary>
internal sealed partial class ProxyProtocol(ProxyProtocolMode mode, IPNetwork[]? allowed, TimeSpan timeout, WorkerMetrics? metrics, ILogger log)
{
    /// <summary>The connection middleware.</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        var peer = connection.RemoteEndPoint as IPEndPoint;
        var isAllowed = Config.TrustedProxies.Allows(allowed, peer?.Address);
        var input = connection.Transport.Input;
        string? refusal;
        try
        {
            // Not linked to ConnectionClosed: a client that sends its header and half-closes at once
            // would cancel the read of bytes already there. Its close ends the read anyway.
            using var late = new CancellationTokenSource(timeout);
            refusal = isAllowed ? await ReadHeaderAsync(connection, input, late.Token).ConfigureAwait(false) : await RefuseHeaderAsync(input, late.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            refusal = $"no complete header within {timeout.TotalSeconds:0.###}s";
        }
        catch (Exception e) when (e is IOException or ConnectionResetException)
        {
            refusal = "the connection failed before its header: " + e.Message;
        }

        if (refusal is not null)
        {
            metrics?.CountProxyRefusal();
            LogRefused(log, connection.ConnectionId, peer?.ToString() ?? "a unix socket", refusal);
            return;
        }

        await next(connection).ConfigureAwait(false);
    };

    /// <summary>From an allowed peer: reads and applies its header; returns why it is refused, or null.</summary>
    private async Task<string?> ReadHeaderAsync(ConnectionContext connection, PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var status = Parse(buffer, out var header, out var error);
            if (status == ProxyParse.Complete)
            {
                input.AdvanceTo(buffer.GetPosition(header!.Length));
                if (header.Source is { } source)
                {
                    connection.RemoteEndPoint = source;
                    connection.LocalEndPoint = header.Destination;
                }

                return null;
            }

            if (status == ProxyParse.Invalid || read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return error ?? (buffer.IsEmpty ? "closed before a header" : "closed within the header");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>From any other peer: refuses a header, passes anything else on unread.</summary>
    private static async Task<string?> RefuseHeaderAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var first = buffer.Slice(0, Math.Min(buffer.Length, ProxyHeader.V2Signature.Length));
            var looks = ProxyHeader.StartsLikeHeader(first.IsSingleSegment ? first.FirstSpan : first.ToArray());
            if (looks == true)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return "a PROXY header from a peer not in --proxy-allow-from";
            }

            if (looks == false || read.IsCompleted)
            {
                // Not consumed and not examined: Kestrel's next read sees the same bytes at once.
                input.AdvanceTo(buffer.Start);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private ProxyParse Parse(ReadOnlySequence<byte> buffer, out ProxyHeader? header, out string? error)
    {
        if (buffer.IsSingleSegment)
        {
            return ProxyHeader.Parse(buffer.FirstSpan, mode, out header, out error);
        }

        // A header split across segments: at most 64 KiB + 16 bytes are looked at.
        var size = (int)Math.Min(buffer.Length, ProxyHeader.V2FixedLength + ushort.MaxValue);
        var copy = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            buffer.Slice(0, size).CopyTo(copy);
            return ProxyHeader.Parse(copy.AsSpan(0, size), mode, out header, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    [LoggerMessage(EventId = EventIds.ProxyHeaderRefused, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Peer} closed: PROXY protocol: {Reason}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string peer, string reason);
}
