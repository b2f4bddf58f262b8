using System.Text;
using System.Threading.Channels;
using Mono.Unix.Native;

namespace Gunicornet.Logging;

/// <summary>
/// Writes access log lines from a background task, several lines per <c>write(2)</c> but never part
/// of one: a batch stays under PIPE_BUF (4096 bytes) so that it is atomic on a pipe too, and the file
/// is opened with O_APPEND, so the lines of several workers never interleave or break. A request
/// only enqueues its line. USR1 reopens the file.
/// </summary>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    private const int PipeBuf = 4096;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(65_536)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly string? _path;
    private readonly Action<string> _reportFailure;
    private readonly Task _writer;
    private int _fd;
    private bool _failed;

    private AccessLogWriter(string? path, Action<string> reportFailure)
    {
        _path = path;
        _reportFailure = reportFailure;
        _fd = path is null ? 1 : Open(path);
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>A writer to <paramref name="target"/>: '-' for stdout, or a file path.</summary>
    /// <param name="target">'-' or a path.</param>
    /// <param name="reportFailure">Told once when lines can no longer be written.</param>
    public static AccessLogWriter Open(string target, Action<string> reportFailure) => new(target == "-" ? null : target, reportFailure);

    /// <summary>Queues one line (without its newline).</summary>
    public void Write(string line) => _lines.Writer.TryWrite(line);

    /// <summary>Reopens the file (logrotate moved it); stdout is left as it is.</summary>
    public void Reopen()
    {
        if (_path is null)
        {
            return;
        }

        var old = Interlocked.Exchange(ref _fd, Open(_path));
        Syscall.close(old);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_path is not null)
        {
            Syscall.close(_fd);
        }
    }

    private static int Open(string path)
    {
        var fd = Syscall.open(
            path,
            OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_APPEND | OpenFlags.O_CLOEXEC,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP | FilePermissions.S_IROTH);
        return fd >= 0 ? fd : throw new IOException($"Can't open access log '{path}': {Stdlib.GetLastError()}");
    }

    private async Task WriteAsync()
    {
        var batch = new StringBuilder(PipeBuf);
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryPeek(out var next) && (batch.Length == 0 || Encoding.UTF8.GetByteCount(next) + 1 + batch.Length <= PipeBuf))
            {
                reader.TryRead(out _);
                batch.Append(next).Append('\n');
            }

            Flush(batch);
        }
    }

    private unsafe void Flush(StringBuilder batch)
    {
        var bytes = Encoding.UTF8.GetBytes(batch.ToString());
        batch.Clear();
        fixed (byte* data = bytes)
        {
            long written;
            do
            {
                written = Syscall.write(Volatile.Read(ref _fd), data, (ulong)bytes.Length);
            }
            while (written < 0 && Stdlib.GetLastError() == Errno.EINTR);

            if (written < 0 && !_failed)
            {
                // Said once: the server keeps serving without its access log.
                _failed = true;
                _reportFailure($"Can't write the access log ({Stdlib.GetLastError()}); its lines are dropped, serving goes on");
            }
        }
    }
}
