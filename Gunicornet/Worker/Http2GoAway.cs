using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Gunicornet.Worker;

/// <summary>
/// An HTTP/2 connection's graceful close in two steps, as RFC 9113 §6.8 describes it. Kestrel's own
/// (what <see cref="IConnectionLifetimeNotificationFeature.RequestClose"/> starts) sends its final
/// GOAWAY, naming the last stream it opened, as soon as no stream is active: a request the client
/// sent just before, still on the wire, is then never served, and a client that does not retry (h2load,
/// many gRPC stubs) loses it. So this first sends GOAWAY with the largest stream identifier, which
/// stops the client opening streams without refusing any, lets a round trip's worth of time pass
/// (<see cref="Allowance"/>) for the streams already sent to arrive, and only then asks Kestrel to
/// close. To put a frame of its own between Kestrel's, it relays the connection's output frame by
/// frame (HTTP/2 connections only: one copy of what they send).
/// </summary>
internal sealed class Http2GoAway : IDuplexPipe
{
    /// <summary>How long the client has, after the first GOAWAY, for the streams it already sent to arrive.</summary>
    public static readonly TimeSpan Allowance = TimeSpan.FromSeconds(1);

    private const int FrameHeader = 9;

    /// <summary>GOAWAY on stream 0: last stream 2^31-1, NO_ERROR.</summary>
    private static readonly byte[] FirstGoAway = [0, 0, 8, 0x07, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

    private readonly ConnectionContext _connection;
    private readonly IDuplexPipe _transport;
    private readonly Pipe _output = new(new PipeOptions(useSynchronizationContext: false));
    private readonly byte[] _header = new byte[FrameHeader];
    private int _headerHave;
    private long _payloadLeft;
    private int _state;
    private bool _framed;

    private Http2GoAway(ConnectionContext connection)
    {
        _connection = connection;
        _transport = connection.Transport;
        Pumping = PumpAsync();
    }

    /// <inheritdoc />
    public PipeReader Input => _transport.Input;

    /// <inheritdoc />
    public PipeWriter Output => _output.Writer;

    private Task Pumping { get; }

    /// <summary>Runs <paramref name="next"/> (Kestrel's HTTP/2) over the relay; returns when the connection is done.</summary>
    public static async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, Action<Http2GoAway> started)
    {
        var relay = new Http2GoAway(connection);
        connection.Transport = relay;
        try
        {
            started(relay);
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            await relay._output.Writer.CompleteAsync().ConfigureAwait(false);
            await relay.Pumping.ConfigureAwait(false);
            connection.Transport = relay._transport;
        }
    }

    /// <summary>
    /// Starts the close: the first GOAWAY goes out between two frames the next time Kestrel writes
    /// (a stream is active then), and Kestrel's close follows <see cref="Allowance"/> after it. An idle
    /// connection gets neither: a GOAWAY there would race the client's next request on it (measured:
    /// Grpc.Net.Client failed a unary call after a HUP, 2 runs in 25); it is closed as before, at
    /// Kestrel's keep-alive timeout or its stop.
    /// </summary>
    public void Close() => Interlocked.CompareExchange(ref _state, 1, 0);

    private void CloseAfterAllowance() =>
        _ = Task.Delay(Allowance).ContinueWith(
            _ =>
            {
                try
                {
                    _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
                }
                catch (ObjectDisposedException)
                {
                    // The connection ended meanwhile: nothing is left to close.
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Copies Kestrel's frames to the transport, putting the first GOAWAY between two when asked.</summary>
    private async Task PumpAsync()
    {
        var reader = _output.Reader;
        var target = _transport.Output;
        Exception? failed = null;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                if (!buffer.IsEmpty)
                {
                    GoAwayIfAsked(target);
                }

                foreach (var segment in buffer)
                {
                    var span = segment.Span;
                    while (!span.IsEmpty)
                    {
                        var n = Advance(span);
                        target.Write(span[..n]);
                        span = span[n..];
                        if (!span.IsEmpty)
                        {
                            GoAwayIfAsked(target);
                        }
                    }
                }

                reader.AdvanceTo(buffer.End);
                var flushed = await target.FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted || flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            failed = e;
        }

        await reader.CompleteAsync(failed).ConfigureAwait(false);
    }

    private void GoAwayIfAsked(PipeWriter target)
    {
        if (Volatile.Read(ref _state) == 1 && AtBoundary())
        {
            target.Write(FirstGoAway);
            _state = 2;
            CloseAfterAllowance();
        }
    }

    /// <summary>Between two frames, after the server's first (its SETTINGS, which must come first).</summary>
    private bool AtBoundary() => _framed && _headerHave == 0 && _payloadLeft == 0;

    /// <summary>Takes in up to the end of the current frame's header or payload; returns how many bytes.</summary>
    private int Advance(ReadOnlySpan<byte> span)
    {
        if (_payloadLeft > 0)
        {
            var n = (int)Math.Min(_payloadLeft, span.Length);
            _payloadLeft -= n;
            return n;
        }

        var take = Math.Min(FrameHeader - _headerHave, span.Length);
        span[..take].CopyTo(_header.AsSpan(_headerHave));
        _headerHave += take;
        if (_headerHave == FrameHeader)
        {
            _payloadLeft = (_header[0] << 16) | (_header[1] << 8) | _header[2];
            _headerHave = 0;
            _framed = true;
        }

        return take;
    }
}
