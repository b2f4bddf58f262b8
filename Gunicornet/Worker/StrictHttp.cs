using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using Gunicornet.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Worker;

/// <summary>
/// <c>--http-grammar strict</c>: every HTTP/1.x connection's bytes pass <see cref="HttpGrammar"/>
/// on their way to Kestrel's parser (connection middleware after TLS, before HTTP). Nothing is
/// copied: Kestrel reads the same buffers, only ever the part judged good. At the first byte that
/// breaks a rule, Kestrel's next read fails as a bad request: it answers 400 and closes (inside a
/// chunked body, the worker's request checks, which read such a body before the app runs, answer
/// it); nothing after that byte is read. One debug line names the rule, and the refusal is counted
/// by rule.
/// </summary>
internal sealed partial class StrictHttp(WorkerMetrics? metrics, ILogger log)
{
    /// <summary>The connection middleware.</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        if (connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var transport = connection.Transport;
        var gate = new Gate();
        var input = new CheckedInput(transport.Input, gate, refusal =>
        {
            metrics?.CountHttpRefusal(refusal.Rule);
            LogRefused(log, connection.ConnectionId, (connection.RemoteEndPoint as IPEndPoint)?.ToString() ?? "a unix socket", refusal.Rule, refusal.Detail);
        });
        connection.Features.Set(gate);
        connection.Transport = new DuplexPipe(input, transport.Output);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = transport;
        }
    };

    /// <summary>
    /// The requests of an upgradable request are switched to the upgraded stream once the app accepts
    /// (<see cref="Gate.Upgraded"/>): from then on the bytes are not HTTP and pass unchecked.
    /// </summary>
    public static void Watch(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade && features.Get<Gate>() is { } gate)
        {
            features.Set<IHttpUpgradeFeature>(new GateUpgrade(upgrade, gate));
        }
    }

    [LoggerMessage(EventId = EventIds.HttpRequestRefused, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Peer}: request refused ({Rule}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string peer, string rule, string detail);

    /// <summary>Whether the app switched protocols, for the connection's checks (a connection feature the request layer sets).</summary>
    internal sealed class Gate
    {
        private volatile bool _upgraded;

        /// <summary>The app accepted an upgrade: what follows is not HTTP.</summary>
        public bool Upgraded => _upgraded;

        public void Upgrade() => _upgraded = true;
    }

    private sealed class GateUpgrade(IHttpUpgradeFeature inner, Gate gate) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public Task<Stream> UpgradeAsync()
        {
            gate.Upgrade();
            return inner.UpgradeAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>
    /// The input Kestrel reads: the transport's buffers, scanned as they come, of which Kestrel sees
    /// only the part judged good. Positions are the transport's own, so Kestrel's AdvanceTo goes
    /// straight through. Once a byte breaks a rule, Kestrel still gets the good bytes before it (a
    /// request pipelined ahead is answered); the read that would go past them throws a bad request
    /// instead. Kestrel answers that with 400 wherever it reads: parsing a head, or reading a chunked
    /// body for the worker's request checks. Ending the input there instead would not do: inside a
    /// body Kestrel takes the end for a vanished client and closes without an answer.
    /// </summary>
    private sealed class CheckedInput(PipeReader inner, Gate gate, Action<HttpRefusal> refused) : PipeReader
    {
        private readonly HttpGrammar _grammar = new();
        private ReadOnlySequence<byte> _buffer;

        // Offsets from the connection's first byte: where _buffer starts, how far the grammar has
        // judged, and how far Kestrel has examined.
        private long _start;
        private long _scanned;
        private long _examined;
        private bool _passThrough;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfRefusedAndSeen();
            PassThroughIfUpgraded();
            var read = inner.ReadAsync(cancellationToken);
            if (_passThrough)
            {
                return read;
            }

            // Most reads find bytes waiting: judged at once, no state machine.
            return read.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Judge(read.Result)) : JudgeWhenRead(read);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> JudgeWhenRead(ValueTask<ReadResult> read) => Judge(await read.ConfigureAwait(false));

        public override bool TryRead(out ReadResult result)
        {
            ThrowIfRefusedAndSeen();
            PassThroughIfUpgraded();
            if (!inner.TryRead(out result))
            {
                return false;
            }

            result = _passThrough ? result : Judge(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (!_passThrough)
            {
                // Offsets within the buffer handed out, without slicing it.
                var first = _buffer.GetOffset(_buffer.Start);
                _examined = Math.Max(_examined, _start + _buffer.GetOffset(examined) - first);
                _start += _buffer.GetOffset(consumed) - first;
            }

            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        /// <summary>After a request that may switch protocols: unchecked from now on if the app switched, else scanned on.</summary>
        private void PassThroughIfUpgraded()
        {
            if (!_passThrough && _grammar.Paused)
            {
                _passThrough = gate.Upgraded;
                _grammar.Resume();
            }
        }

        /// <summary>Kestrel has seen every good byte and asks for more: the refusal is its answer.</summary>
        private void ThrowIfRefusedAndSeen()
        {
            if (_grammar.Refusal is { } refusal && _examined >= _scanned)
            {
                throw new BadHttpRequestException(refusal.Detail, refusal.Status);
            }
        }

        /// <summary>Scans what is new in <paramref name="read"/> and gives Kestrel the good part.</summary>
        private ReadResult Judge(ReadResult read)
        {
            _buffer = read.Buffer;
            var end = _start + _buffer.Length;
            if (_scanned < end && !_grammar.Paused && _grammar.Refusal is null)
            {
                if (_buffer.IsSingleSegment)
                {
                    // The usual read: one buffer, judged without enumerating.
                    _scanned += _grammar.Scan(_buffer.FirstSpan[(int)(_scanned - _start)..]);
                }
                else
                {
                    foreach (var segment in _buffer.Slice(_scanned - _start))
                    {
                        var good = _grammar.Scan(segment.Span);
                        _scanned += good;
                        if (good < segment.Length)
                        {
                            break;
                        }
                    }
                }

                if (_grammar.Refusal is { } refusal)
                {
                    refused(refusal);
                }
            }

            if (_grammar.Refusal is not null && _examined >= _scanned)
            {
                inner.AdvanceTo(_buffer.Start, _buffer.End);
                ThrowIfRefusedAndSeen();
            }

            var given = _scanned == end ? _buffer : _buffer.Slice(0, _scanned - _start);
            return new ReadResult(given, read.IsCanceled, read.IsCompleted && _scanned == end);
        }
    }
}
