using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>
/// Cleartext HTTP/2 by prior knowledge on a listener that also serves HTTP/1.1
/// (<c>--http2-cleartext</c>, DESIGN §15). Kestrel picks a cleartext connection's protocol up front
/// (HTTP/1.1 when the listener has both), so this looks at the first bytes of a connection from a
/// peer in <c>--forwarded-allow-ips</c>: HTTP/2's 24-byte preface makes Kestrel take it as HTTP/2,
/// as if TLS had negotiated h2 (its protocol choice reads the connection's ALPN feature); anything
/// else, and every other peer, goes on as HTTP/1.1 untouched. Nothing is consumed.
/// </summary>
internal sealed class Http2Cleartext(IPNetwork[]? trusted, TimeSpan timeout)
{
    /// <summary>RFC 9113 §3.4.</summary>
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>The connection middleware.</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        if (Config.TrustedProxies.Allows(trusted, (connection.RemoteEndPoint as IPEndPoint)?.Address)
            && await OpensWithPrefaceAsync(connection.Transport.Input).ConfigureAwait(false))
        {
            connection.Features.Set<ITlsConnectionFeature>(PriorKnowledge.Instance);
            connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledge.Instance);
        }

        await next(connection).ConfigureAwait(false);
    };

    /// <summary>Reads until the bytes either are the preface or cannot be; leaves them all unread.</summary>
    private async Task<bool> OpensWithPrefaceAsync(System.IO.Pipelines.PipeReader input)
    {
        using var late = new CancellationTokenSource(timeout);
        var start = new byte[Preface.Length];
        while (true)
        {
            System.IO.Pipelines.ReadResult read;
            try
            {
                read = await input.ReadAsync(late.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Slow to say anything: HTTP/1.1's own header timeout takes over.
                return false;
            }

            var buffer = read.Buffer;
            var n = (int)Math.Min(buffer.Length, Preface.Length);
            buffer.Slice(0, n).CopyTo(start);
            var matches = start.AsSpan(0, n).SequenceEqual(Preface[..n]);
            if (!matches || n == Preface.Length || read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start);
                return matches && n == Preface.Length;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>What Kestrel's protocol choice reads: "h2 was negotiated". No certificate, no handshake (so no TLS rule of HTTP/2 applies).</summary>
    private sealed class PriorKnowledge : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly PriorKnowledge Instance = new();

        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = "h2"u8.ToArray();

        public X509Certificate2? ClientCertificate
        {
            get => null;
            set => throw new NotSupportedException("a cleartext HTTP/2 connection has no certificate");
        }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
