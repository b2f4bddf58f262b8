using System.Collections.Concurrent;
using System.Text;
using Gunicornet.Posix;

namespace Gunicornet.Logging;

/// <summary>
/// Writes access log lines from a dedicated thread, several lines per <c>write(2)</c> but never part
/// of one: a batch stays under PIPE_BUF (4096 bytes) so that it is atomic on a pipe too, and the file
/// is opened with O_APPEND, so the lines of several workers never interleave or break. A request only
/// enqueues its line (lock-free, no wake-up: the thread drains the queue every few milliseconds, which
/// measured far cheaper than waking a reader per line). USR1 reopens the file.
/// </summary>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    private const int PipeBuf = 4096;
    private const int MaxPending = 100_000;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string? _path;
    private readonly Action<string> _reportFailure;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly byte[] _buffer = new byte[PipeBuf];
    private int _pending;
    private int _fd;
    private long _lost;

    private AccessLogWriter(string? path, Action<string> reportFailure)
    {
        _path = path;
        _reportFailure = reportFailure;
        _fd = path is null ? 1 : FileDescriptors.OpenAppend(path, "access log");
        _thread = new Thread(Run) { IsBackground = true, Name = "access-log" };
        _thread.Start();
    }

    /// <summary>A writer to <paramref name="target"/>: '-' for stdout, or a file path.</summary>
    /// <param name="target">'-' or a path.</param>
    /// <param name="reportFailure">Told once when lines can no longer be written.</param>
    public static AccessLogWriter Open(string target, Action<string> reportFailure) => new(target == "-" ? null : target, reportFailure);

    /// <summary>Queues one line (without its newline); dropped when the disk is far behind.</summary>
    public void Write(string line)
    {
        if (Interlocked.Increment(ref _pending) > MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            return;
        }

        _lines.Enqueue(line);
    }

    /// <summary>Reopens the file (logrotate moved it); stdout is left as it is.</summary>
    public void Reopen()
    {
        if (_path is null)
        {
            return;
        }

        var old = Interlocked.Exchange(ref _fd, FileDescriptors.OpenAppend(_path, "access log"));
        FileDescriptors.Close(old);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _stop.Set();
        _thread.Join();
        if (_path is not null)
        {
            FileDescriptors.Close(_fd);
        }

        return ValueTask.CompletedTask;
    }

    private void Run()
    {
        while (true)
        {
            var stopping = _stop.Wait(Interval);
            Drain();
            if (stopping)
            {
                return;
            }
        }
    }

    /// <summary>Writes every queued line, in batches of whole lines.</summary>
    private void Drain()
    {
        var used = 0;
        while (_lines.TryPeek(out var line))
        {
            var size = Encoding.UTF8.GetByteCount(line) + 1;
            if (used > 0 && used + size > PipeBuf)
            {
                Flush(used);
                used = 0;
            }

            _lines.TryDequeue(out _);
            Interlocked.Decrement(ref _pending);
            if (size > PipeBuf)
            {
                // A line longer than a batch goes out alone, in one write.
                Write(Encoding.UTF8.GetBytes(line + "\n"));
                continue;
            }

            used += Encoding.UTF8.GetBytes(line, _buffer.AsSpan(used));
            _buffer[used++] = (byte)'\n';
        }

        if (used > 0)
        {
            Flush(used);
        }
    }

    private void Flush(int count) => Write(_buffer.AsSpan(0, count));

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (FileDescriptors.Write(Volatile.Read(ref _fd), bytes) is { } failure)
        {
            if (_lost == 0)
            {
                // Said once per outage: the server keeps serving without its access log.
                _reportFailure($"Can't write the access log ({failure}); its lines are dropped until it can be written, serving goes on");
            }

            _lost += bytes.Count((byte)'\n');
        }
        else if (_lost > 0)
        {
            _reportFailure($"The access log can be written again; {_lost} line(s) were lost");
            _lost = 0;
        }
    }
}
