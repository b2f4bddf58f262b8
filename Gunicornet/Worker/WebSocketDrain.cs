using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>
/// WebSockets through a worker's retirement, with no change to the app: every WebSocket the app
/// accepts (through ASP.NET Core's WebSocket middleware, SignalR, or anything on the upgrade
/// features) runs over a stream this keeps, and when the drain begins each gets a close frame, 1012
/// Service Restart when the pool goes on (a reload, a recycle) or 1001 Going Away when it stops. The
/// client answers with its own close, which the app's WebSocket receives as any close: its code runs
/// to the end, and what it sends after (its own close frame) is dropped, the closing handshake being
/// done. A connection still open at <c>--graceful-timeout</c> is then closed with the worker.
/// </summary>
internal sealed class WebSocketDrain
{
    /// <summary>RFC 6455 §7.4.1.</summary>
    public const ushort GoingAway = 1001;

    /// <summary>IANA's WebSocket close code registry.</summary>
    public const ushort ServiceRestart = 1012;

    private readonly ConcurrentDictionary<ClosingStream, byte> _open = new();
    private (ushort Code, string Reason)? _closing;

    /// <summary>WebSockets open now.</summary>
    public int Count => _open.Count;

    /// <summary>Sends every open WebSocket a close frame, and every one accepted from now on.</summary>
    public void CloseAll(ushort code)
    {
        _closing = (code, code == ServiceRestart ? "server restarting" : "server going away");
        foreach (var stream in _open.Keys)
        {
            _ = stream.CloseAsync(code, _closing.Value.Reason);
        }
    }

    /// <summary>Wraps the request's upgrade features when it asks for a WebSocket; <paramref name="upgraded"/> runs once it is accepted.</summary>
    public void Watch(HttpContext context, Action upgraded)
    {
        var features = context.Features;
        if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade
            && context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase))
        {
            features.Set<IHttpUpgradeFeature>(new Upgrade(upgrade, this, Accepted(context, upgraded)));
        }
        else if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: var protocol } connect
            && protocol.Equals("websocket", StringComparison.OrdinalIgnoreCase))
        {
            features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(connect, this, Accepted(context, upgraded)));
        }
    }

    /// <summary>What runs when the WebSocket is accepted: <paramref name="upgraded"/>, and its stream let go with the request.</summary>
    private static Action<Stream> Accepted(HttpContext context, Action upgraded) => stream =>
    {
        upgraded();
        context.Response.RegisterForDispose(stream);
    };

    private Stream Track(Stream inner, Action<Stream> accepted)
    {
        var stream = new ClosingStream(inner, s => _open.TryRemove(s, out _));
        accepted(stream);
        _open[stream] = 0;
        if (_closing is { } closing)
        {
            _ = stream.CloseAsync(closing.Code, closing.Reason);
        }

        return stream;
    }

    private sealed class Upgrade(IHttpUpgradeFeature inner, WebSocketDrain drain, Action<Stream> upgraded) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => drain.Track(await inner.UpgradeAsync().ConfigureAwait(false), upgraded);
    }

    private sealed class ExtendedConnect(IHttpExtendedConnectFeature inner, WebSocketDrain drain, Action<Stream> upgraded) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => drain.Track(await inner.AcceptAsync().ConfigureAwait(false), upgraded);
    }

    /// <summary>
    /// The upgraded stream. The app's WebSocket writes each frame in one write, so frames from the app
    /// and the close frame put in here never interleave; after that close, the app's writes are dropped.
    /// </summary>
    private sealed class ClosingStream(Stream inner, Action<ClosingStream> closed) : Stream
    {
        private readonly SemaphoreSlim _writing = new(1, 1);
        private bool _closeSent;

        public async Task CloseAsync(ushort code, string reason)
        {
            var text = Encoding.UTF8.GetBytes(reason);
            byte[] frame = [0x88, (byte)(2 + text.Length), (byte)(code >> 8), (byte)code, .. text];
            await _writing.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closeSent)
                {
                    return;
                }

                _closeSent = true;
                await inner.WriteAsync(frame).ConfigureAwait(false);
                await inner.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The client is gone already.
            }
            finally
            {
                _writing.Release();
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_closeSent)
                {
                    await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _writing.Release();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override bool CanRead => inner.CanRead;

        public override bool CanWrite => inner.CanWrite;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                closed(this);
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            closed(this);
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
