using System.Runtime.InteropServices;
using Mono.Unix;
using Mono.Unix.Native;

namespace Gunicornet.Posix;

/// <summary>
/// Delivers signals to a callback. The callback must only enqueue (DESIGN §4): it runs on a
/// runtime or dedicated thread, never inside the loop that acts on it.
/// </summary>
internal sealed class SignalSource : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _quitThread;

    /// <summary>Starts receiving <paramref name="signals"/>; each one cancels the default action.</summary>
    public SignalSource(IReadOnlyCollection<Signal> signals, Action<Signal> onSignal)
    {
        foreach (var signal in signals)
        {
            // A process can start with signals ignored: SIGHUP under nohup, SIGINT and SIGQUIT when a
            // non-interactive shell starts it in the background (`gunicornet ... &` in a script). A
            // handler registered on top of an ignored signal never runs (measured: such a master
            // slept through SIGINT), so the default disposition is restored first, as Python's
            // signal.signal does for gunicorn.
            Stdlib.SetSignalAction(signal.ToSignum(), SignalAction.Default);
        }

        foreach (var signal in signals.Where(s => s != Signal.Quit))
        {
            var captured = signal;
            _registrations.Add(PosixSignalRegistration.Create(ToPosixSignal(signal), context =>
            {
                context.Cancel = true;
                onSignal(captured);
            }));
        }

        if (signals.Contains(Signal.Quit))
        {
            // PosixSignalRegistration never receives SIGQUIT on .NET 10 (measured); Mono's UnixSignal does.
            var quit = new UnixSignal(Signum.SIGQUIT);
            _quitThread = new Thread(() => WaitForQuit(quit, onSignal)) { IsBackground = true, Name = "sigquit" };
            _quitThread.Start();
        }
    }

    private void WaitForQuit(UnixSignal quit, Action<Signal> onSignal)
    {
        using (quit)
        {
            while (!_stop.IsCancellationRequested)
            {
                // UnixSignal implements only its own waits; WaitHandle.WaitOne(int) fails on .NET.
                if (UnixSignal.WaitAny([quit], 250) == 0)
                {
                    quit.Reset();
                    onSignal(Signal.Quit);
                }
            }
        }
    }

    private static PosixSignal ToPosixSignal(Signal signal) => signal switch
    {
        Signal.Hup => PosixSignal.SIGHUP,
        Signal.Int => PosixSignal.SIGINT,
        Signal.Term => PosixSignal.SIGTERM,
        Signal.Ttin => PosixSignal.SIGTTIN,
        Signal.Ttou => PosixSignal.SIGTTOU,
        Signal.Winch => PosixSignal.SIGWINCH,

        // PosixSignal accepts raw signal numbers for the signals it does not name.
        Signal.Usr1 or Signal.Usr2 => (PosixSignal)NativeConvert.FromSignum(signal.ToSignum()),
        _ => throw new ArgumentOutOfRangeException(nameof(signal), $"cannot receive {signal.Name()}"),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _quitThread?.Join(TimeSpan.FromSeconds(1));
    }
}
