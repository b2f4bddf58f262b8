using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>
/// A write-only stream over an inherited descriptor (stdout, stderr) that writes with <c>write(2)</c>.
/// A <see cref="FileStream"/> over a regular file keeps a position of its own and writes there
/// (<c>pwrite</c>): with <c>gunicornet ... 2&gt; err.log</c> the master and every worker share one open
/// file, and each overwrote the others' lines. <c>write(2)</c> uses the file's shared offset (or
/// O_APPEND, when the file was opened so), and the kernel moves it for each write as a whole, so every
/// line written in one call lands whole after the last, whatever the descriptor is.
/// </summary>
internal sealed class DescriptorStream(int fd, bool ownsDescriptor = false) : Stream
{
    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Writes all of <paramref name="buffer"/>: one <c>write(2)</c>, more only if the kernel took part of it.</summary>
    /// <exception cref="IOException">The write failed (disk full, descriptor closed); the message is the system's.</exception>
    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var written = Syscall.write(fd, start + done, (ulong)(buffer.Length - done));
                if (written < 0)
                {
                    var errno = Stdlib.GetLastError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new IOException(Stdlib.strerror(errno));
                }

                done += (int)written;
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (ownsDescriptor)
        {
            Syscall.close(fd);
        }

        base.Dispose(disposing);
    }
}
