using System.Diagnostics;
using System.IO.Pipes;
using Gunicornet.Ipc;
using Gunicornet.Posix;
using Gunicornet.Worker;

namespace Gunicornet.Master;

/// <summary>
/// Starts real worker processes: this executable again with the worker verb, the listeners and two
/// control pipes inherited, and the <see cref="WorkerSpec"/> in the environment.
/// </summary>
internal sealed class ProcessWorkerLauncher : IWorkerLauncher
{
    private readonly Func<int, int, WorkerSpec> _specFor;

    /// <param name="specFor">The spec of a worker of a given age and generation, without its pipe descriptors.</param>
    public ProcessWorkerLauncher(Func<int, int, WorkerSpec> specFor) => _specFor = specFor;

    /// <inheritdoc />
    public IWorkerProcess Launch(int age, int generation, IWorkerObserver observer)
    {
        // Both pipes are created close-on-exec; only the worker's ends are made inheritable, and only
        // until the worker has been spawned. The master spawns from one thread, so no other child can
        // inherit them in between, and no worker ever holds another worker's pipe.
        var toMaster = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var fromMaster = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        try
        {
            var writeFd = (int)toMaster.ClientSafePipeHandle.DangerousGetHandle();
            var readFd = (int)fromMaster.ClientSafePipeHandle.DangerousGetHandle();
            FileDescriptors.SetCloseOnExec(writeFd, closeOnExec: false);
            FileDescriptors.SetCloseOnExec(readFd, closeOnExec: false);

            var spec = _specFor(age, generation) with { ControlWriteFd = writeFd, ControlReadFd = readFd };
            var start = SelfCommand.Worker(spec);
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            toMaster.DisposeLocalCopyOfClientHandle();
            fromMaster.DisposeLocalCopyOfClientHandle();
            return new WorkerProcess(process, toMaster, fromMaster, observer);
        }
        catch
        {
            toMaster.Dispose();
            fromMaster.Dispose();
            throw;
        }
    }

    private sealed class WorkerProcess : IWorkerProcess
    {
        private readonly Process _process;
        private readonly AnonymousPipeServerStream _toMaster;
        private readonly AnonymousPipeServerStream _fromMaster;

        public WorkerProcess(Process process, AnonymousPipeServerStream toMaster, AnonymousPipeServerStream fromMaster, IWorkerObserver observer)
        {
            _process = process;
            _toMaster = toMaster;
            _fromMaster = fromMaster;
            Pid = process.Id;

            // A blocking reader per worker, on its own thread: anonymous pipe reads are synchronous on
            // Unix and must not hold thread-pool threads.
            var reader = new Thread(() => ReadMessages(observer))
            {
                IsBackground = true,
                Name = $"worker-{Pid}-pipe",
            };
            reader.Start();
            _ = WatchExitAsync(observer, reader);
        }

        public int Pid { get; }

        public bool Signal(Signal signal) => Signals.Send(Pid, signal);

        public bool Tell(byte what)
        {
            try
            {
                _fromMaster.WriteByte(what);
                _fromMaster.Flush();
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return false;
            }
        }

        private void ReadMessages(IWorkerObserver observer)
        {
            try
            {
                using var reader = new StreamReader(_toMaster);
                while (reader.ReadLine() is { } line)
                {
                    if (ControlMessage.Parse(line) is { } message)
                    {
                        observer.OnMessage(message);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task WatchExitAsync(IWorkerObserver observer, Thread reader)
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);

            // The pipe reaches EOF when the worker exits (the master holds no copy of its end), so
            // every message it sent is delivered before its exit.
            await Task.Run(() => reader.Join(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            observer.OnExit(_process.ExitCode);
        }

        public void Dispose()
        {
            _fromMaster.Dispose();
            _toMaster.Dispose();
            _process.Dispose();
        }
    }
}
