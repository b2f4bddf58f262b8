using System.IO.Pipes;
using System.Text;

namespace Gunicornet.Ipc;

/// <summary>
/// The worker's end of its control pipes: it writes <see cref="ControlMessage"/> lines to the master,
/// and watches a pipe the master holds open so that it notices the master's death (EOF) at once.
/// </summary>
internal sealed class WorkerChannel : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stream _toMaster;
    private readonly Stream? _fromMaster;
    private bool _broken;

    private WorkerChannel(Stream toMaster, Stream? fromMaster)
    {
        _toMaster = toMaster;
        _fromMaster = fromMaster;
    }

    /// <summary>No master: messages go nowhere and nobody is watched (a worker that checks the app for <c>--check-config</c>).</summary>
    public static WorkerChannel Detached() => new(Stream.Null, null);

    /// <summary>Adopts the inherited pipe descriptors.</summary>
    public static WorkerChannel Open(int readFd, int writeFd) => new(
        new AnonymousPipeClientStream(PipeDirection.Out, writeFd.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new AnonymousPipeClientStream(PipeDirection.In, readFd.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private readonly TaskCompletionSource<char> _retireReason = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Why the master retires this worker, which it writes just before its TERM: <c>r</c> for a restart
    /// (a reload, a recycle, a worker killed by ctl), <c>s</c> when the master itself stops.
    /// </summary>
    public Task<char> RetireReason => _retireReason.Task;

    /// <summary>
    /// Calls <paramref name="onMasterGone"/> once, from a dedicated thread, when the master's end of the
    /// pipe closes: the master exited or was killed, since only the master holds that end.
    /// </summary>
    public void WatchMaster(Action onMasterGone)
    {
        if (_fromMaster is null)
        {
            return;
        }

        var thread = new Thread(() =>
        {
            var buffer = new byte[64];
            try
            {
                int n;
                while ((n = _fromMaster!.Read(buffer)) > 0)
                {
                    // Why the TERM that follows: r, a restart (the pool goes on); s, the master stops.
                    // Any other byte is for a newer worker.
                    if (Array.FindLast(buffer[..n], b => b is (byte)'r' or (byte)'s') is var why and not 0)
                    {
                        _retireReason.TrySetResult((char)why);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            onMasterGone();
        })
        {
            IsBackground = true,
            Name = "master-watch",
        };
        thread.Start();
    }

    /// <summary>Sends one message; returns false once the master is gone.</summary>
    public bool Send(ControlMessage message)
    {
        var bytes = Encoding.UTF8.GetBytes(message.Format() + "\n");
        lock (_lock)
        {
            if (_broken)
            {
                return false;
            }

            try
            {
                // A line is far below PIPE_BUF, so the write is atomic.
                _toMaster.Write(bytes);
                _toMaster.Flush();
                return true;
            }
            catch (IOException)
            {
                _broken = true;
                return false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _broken = true;
            _toMaster.Dispose();
        }
    }
}
