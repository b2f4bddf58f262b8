using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Gunicornet.Worker;

/// <summary>
/// Counts the bytes of a response body, for the access log's <c>%(b)s</c> and <c>%(B)s</c>: Kestrel
/// sends small responses without a Content-Length and keeps its own count private, so the length is
/// known only by counting what the app hands over.
/// </summary>
/// <remarks>
/// The wrapper must never change what the app can do: every member of the feature, of its
/// <see cref="PipeWriter"/> and of its <see cref="Stream"/> is forwarded to Kestrel's own (System.Text.Json
/// needs <see cref="PipeWriter.UnflushedBytes"/>, for one), and a test checks that no overridable member
/// is left to the base class but <c>AsStream</c> and <c>CopyFromAsync</c>, which the base class builds
/// on this writer's own members. A count is added once the call it counts has been accepted.
/// </remarks>
internal sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    private CountingWriter? _writer;
    private CountingStream? _stream;
    private long _bytes;

    /// <summary>Bytes handed to the server so far.</summary>
    public long Bytes => _bytes;

    /// <inheritdoc />
    public Stream Stream => _stream ??= new CountingStream(inner.Stream, this);

    /// <inheritdoc />
    public PipeWriter Writer => _writer ??= new CountingWriter(inner.Writer, this);

    /// <inheritdoc />
    public void DisableBuffering() => inner.DisableBuffering();

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    /// <inheritdoc />
    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await inner.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
        Add(count ?? Math.Max(0, new FileInfo(path).Length - offset));
    }

    /// <inheritdoc />
    public Task CompleteAsync() => inner.CompleteAsync();

    private void Add(long bytes) => _bytes += bytes;

    private sealed class CountingWriter(PipeWriter inner, CountingResponseBody owner) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            owner.Add(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            var result = inner.WriteAsync(source, cancellationToken);
            owner.Add(source.Length);
            return result;
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }

    /// <summary>Kestrel's response stream, counted: every member goes to it.</summary>
    private sealed class CountingStream(Stream inner, CountingResponseBody owner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => inner.CanWrite;

        public override bool CanTimeout => inner.CanTimeout;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int ReadTimeout
        {
            get => inner.ReadTimeout;
            set => inner.ReadTimeout = value;
        }

        public override int WriteTimeout
        {
            get => inner.WriteTimeout;
            set => inner.WriteTimeout = value;
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override int ReadByte() => inner.ReadByte();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) => inner.BeginRead(buffer, offset, count, callback, state);

        public override int EndRead(IAsyncResult asyncResult) => inner.EndRead(asyncResult);

        public override void CopyTo(Stream destination, int bufferSize) => inner.CopyTo(destination, bufferSize);

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) => inner.CopyToAsync(destination, bufferSize, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            owner.Add(count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            owner.Add(buffer.Length);
        }

        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            owner.Add(1);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            owner.Add(count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            owner.Add(buffer.Length);
        }

        public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
            TaskToAsyncResult.Begin(WriteAsync(buffer, offset, count, CancellationToken.None), callback, state);

        public override void EndWrite(IAsyncResult asyncResult) => TaskToAsyncResult.End(asyncResult);

        public override void Close() => inner.Close();

        public override ValueTask DisposeAsync() => inner.DisposeAsync();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
        }
    }
}
