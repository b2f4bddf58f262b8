using Gunicornet.Ipc;
using Gunicornet.Posix;

namespace Gunicornet.Master;

/// <summary>One input to the arbiter loop. Every input becomes one of these on one queue (DESIGN §4).</summary>
internal abstract record ArbiterEvent;

/// <summary>The master received a signal.</summary>
internal sealed record SignalReceived(Signal Signal) : ArbiterEvent;

/// <summary>A worker sent a control message.</summary>
internal sealed record WorkerMessage(WorkerHandle Worker, ControlMessage Message) : ArbiterEvent;

/// <summary>A worker process exited.</summary>
internal sealed record WorkerExited(WorkerHandle Worker, int ExitCode) : ArbiterEvent;

/// <summary>A deadline passed (the loop sleeps exactly until the next one).</summary>
internal sealed record Tick : ArbiterEvent;

/// <summary>Work the master wants done inside the loop, in order with everything else (e.g. an upgraded master exited).</summary>
internal sealed record LoopAction(Action Action) : ArbiterEvent;
