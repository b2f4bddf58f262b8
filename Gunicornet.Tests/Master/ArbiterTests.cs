using Gunicornet.Config;
using Gunicornet.Master;
using Gunicornet.Posix;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Master;

/// <summary>The arbiter's lifecycle rules, driven with a fake launcher and a fake clock.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class ArbiterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private FakeLauncher _launcher = null!;
    private FakeTimeProvider _time = null!;
    private ListLogger<Arbiter> _log = null!;
    private RecordingHooks _hooks = null!;

    [SetUp]
    public void SetUp()
    {
        _launcher = new FakeLauncher();
        _time = new FakeTimeProvider();
        _log = new ListLogger<Arbiter>();
    }

    private (Arbiter Arbiter, Task<int> Run) Start(int workers, Action? onStopping = null)
    {
        _hooks = new RecordingHooks { OnStopping = onStopping ?? (() => { }) };
        var arbiter = new Arbiter(
            RecordingHooks.Config(workers).With(Settings.GracefulTimeout, 30),
            _hooks,
            _launcher,
            _time,
            _log);
        return (arbiter, arbiter.RunAsync(CancellationToken.None));
    }

    private FakeWorker[] Launched => _launcher.Launched.ToArray();

    private Task Until(Func<bool> condition, string what, CancellationToken ct) =>
        Wait.Until(condition, Bound, what, ct, () => _log.ToString());

    [Test]
    public async Task Run_SpawnsTheConfiguredNumberOfWorkers(CancellationToken ct)
    {
        var (arbiter, _) = Start(workers: 3);

        await Until(() => Launched.Length == 3, "3 launches", ct);
        Assert.That(Launched.Select(w => w.Age), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(_log.Lines.Count(l => l.Contains("Booting worker with pid:")), Is.EqualTo(3));
        Assert.That(arbiter.Workers, Has.Count.EqualTo(3));
    }

    [TestCase(137, "was sent SIGKILL! Perhaps out of memory?")]
    [TestCase(1, "exited with code 1")]
    [TestCase(0, "exited without being asked to")]
    public async Task WorkerThatDies_IsReplacedAtOnce(int exitCode, string logged, CancellationToken ct)
    {
        Start(workers: 2);
        await Until(() => Launched.Length == 2, "2 launches", ct);
        Launched[0].Ready();
        Launched[1].Ready();

        Launched[0].Exit(exitCode);

        await Until(() => Launched.Length == 3, "a replacement", ct);
        Assert.That(Launched[0].Disposed, Is.True);
        Assert.That(_log.Has($"Worker (pid:{Launched[0].Pid}) {logged}"), Is.True, _log.ToString());
    }

    [TestCase(1, true)]
    [TestCase(ExitCodes.KilledBySigkill, false)]
    public async Task WorkersDyingSoonAfterTheirSpawn_BackOff_UnlessKilledFromOutside(int exitCode, bool backsOff, CancellationToken ct)
    {
        Start(workers: 1);
        for (var i = 0; i < 2; i++)
        {
            await Until(() => Launched.Length == i + 1, $"launch {i + 1}", ct);
            Launched[i].Ready();
            await Until(() => _hooks.Readied == i + 1, "the ready message handled", ct);
            Launched[i].Exit(exitCode);
        }

        if (backsOff)
        {
            // The clock stands still: the third spawn waits for the backoff, and comes once it has passed.
            await Until(() => _log.Has("Workers keep dying soon after boot"), "the backoff logged", ct);
            Assert.That(Launched, Has.Length.EqualTo(2));
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        await Until(() => Launched.Length == 3, backsOff ? "the spawn after the backoff" : "a replacement at once", ct);
        Assert.That(_log.Has("Workers keep dying soon after boot"), Is.EqualTo(backsOff));
    }

    [Test]
    public async Task TheBackoff_DoublesFromOneSecond_UpToThirtySeconds(CancellationToken ct)
    {
        Start(workers: 1);
        var delays = new List<int>();
        for (var crash = 1; crash <= 8; crash++)
        {
            await Until(() => Launched.Length == crash, $"launch {crash}", ct);
            Launched[crash - 1].Ready();
            await Until(() => _hooks.Readied == crash, "the ready message handled", ct);
            Launched[crash - 1].Exit(1);
            if (crash == 1)
            {
                // One crash is no loop yet: the replacement comes at once.
                continue;
            }

            await Until(() => _log.Lines.Count(l => l.Contains("Workers keep dying soon after boot")) == crash - 1, $"backoff {crash - 1} logged", ct);
            var delay = int.Parse(System.Text.RegularExpressions.Regex.Match(_log.Lines.Last(l => l.Contains("Workers keep dying")), @"next spawn in (\d+)s").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            delays.Add(delay);

            _time.Advance(TimeSpan.FromSeconds(delay));
        }

        Assert.That(delays, Is.EqualTo(new[] { 1, 2, 4, 8, 16, 30, 30 }));
    }

    [TestCase(ExitCodes.AppLoadError, "App failed to load.")]
    [TestCase(ExitCodes.WorkerBootError, "Worker failed to boot.")]
    public async Task WorkerThatCannotBoot_StopsTheMaster_WithoutRespawning(int exitCode, string reason, CancellationToken ct)
    {
        var (arbiter, run) = Start(workers: 2);
        await Until(() => Launched.Length == 2, "2 launches", ct);

        Launched[0].Exit(exitCode);
        await Until(() => Launched[1].Signals.Contains(Signal.Term), "the other worker told to stop", ct);
        Launched[1].Exit(0);

        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(exitCode));
        Assert.That(arbiter.StopReason, Is.EqualTo(reason));
        Assert.That(Launched, Has.Length.EqualTo(2), "no respawn after a boot failure");
    }

    [Test]
    public async Task WorkerExitingWithTheLoadErrorCode_AfterItWasReady_IsReplacedLikeAnyCrash(CancellationToken ct)
    {
        Start(workers: 1);
        await Until(() => Launched.Length == 1, "a launch", ct);
        Launched[0].Ready();
        await Until(() => _hooks.Readied == 1, "the ready message handled", ct);

        Launched[0].Exit(ExitCodes.AppLoadError);

        await Until(() => Launched.Length == 2, "a replacement", ct);
    }

    [Test]
    public async Task Term_TellsEveryWorker_ClosesListenersOnce_AndExitsZeroWhenAllLeft(CancellationToken ct)
    {
        var (arbiter, run) = Start(workers: 3);
        await Until(() => Launched.Length == 3, "3 launches", ct);

        arbiter.OnSignal(Signal.Term);
        await Until(() => Launched.All(w => w.Signals.Contains(Signal.Term)), "TERM to every worker", ct);
        Assert.That(run.IsCompleted, Is.False, "the master waits for its workers");
        foreach (var worker in Launched)
        {
            worker.Exit(0);
        }

        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(0));
        Assert.That(_hooks.Stops, Is.EqualTo(1));
        Assert.That(Launched, Has.Length.EqualTo(3), "no respawn while stopping");
        Assert.That(_log.Has("Handling signal: term"), Is.True);
        Assert.That(_log.Lines.Any(l => l.Contains("exited")), Is.False, "workers asked to stop exit quietly:\n" + _log);
    }

    [Test]
    public async Task Term_KillsAWorkerThatOutlivesTheGracefulTimeout(CancellationToken ct)
    {
        var (arbiter, run) = Start(workers: 2);
        await Until(() => Launched.Length == 2, "2 launches", ct);
        arbiter.OnSignal(Signal.Term);
        await Until(() => Launched.All(w => w.Signals.Contains(Signal.Term)), "TERM to every worker", ct);
        Launched[0].Exit(0);

        // The loop removes the exited worker from its list; reading the list while it does is a race.
        await Until(() => arbiter.Workers.Count == 1, "the exit handled", ct);
        _time.Advance(TimeSpan.FromSeconds(29));

        // One loop iteration at t=29s: overdue workers are killed after every event.
        Launched[1].Beat(served: 5);
        await Until(() => arbiter.Workers.Any(w => w.Served == 5), "the heartbeat handled", ct);
        Assert.That(Launched[1].Signals, Does.Not.Contain(Signal.Kill), "not before the graceful timeout");

        _time.Advance(TimeSpan.FromSeconds(2));
        await Until(() => Launched[1].Signals.Contains(Signal.Kill), "SIGKILL to the overdue worker", ct);
        Launched[1].Exit(137);

        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(0));
        Assert.That(_log.Has("was sent SIGKILL! Perhaps"), Is.False, "an expected kill is not an out-of-memory report");
    }

    [TestCase("Int")]
    [TestCase("Quit")]
    public async Task IntAndQuit_StopQuickly(string name, CancellationToken ct)
    {
        var signal = Enum.Parse<Signal>(name);
        var (arbiter, run) = Start(workers: 2);
        await Until(() => Launched.Length == 2, "2 launches", ct);

        arbiter.OnSignal(signal);

        await Until(() => Launched.All(w => w.Signals.Contains(Signal.Quit)), "QUIT to every worker", ct);
        Assert.That(Launched.SelectMany(w => w.Signals), Does.Not.Contain(Signal.Term));
        Launched[0].Exit(0);
        Launched[1].Exit(0);
        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(0));
    }

    [Test]
    public async Task IntDuringAGracefulStop_TurnsItQuick(CancellationToken ct)
    {
        var (arbiter, _) = Start(workers: 1);
        await Until(() => Launched.Length == 1, "a launch", ct);

        arbiter.OnSignal(Signal.Term);
        arbiter.OnSignal(Signal.Int);

        await Until(() => Launched[0].Signals.SequenceEqual([Signal.Term, Signal.Quit]), "TERM then QUIT", ct);
    }

    [Test]
    public async Task Ttin_AddsAWorker_Ttou_RetiresTheOldest_NeverBelowOne(CancellationToken ct)
    {
        var (arbiter, _) = Start(workers: 1);
        await Until(() => Launched.Length == 1, "a launch", ct);

        arbiter.OnSignal(Signal.Ttin);
        await Until(() => Launched.Length == 2, "a second worker", ct);
        arbiter.OnSignal(Signal.Ttou);
        await Until(() => Launched[0].Signals.Contains(Signal.Term), "the oldest retired", ct);
        Assert.That(Launched[1].Signals, Is.Empty, "the youngest stays");
        Assert.That(arbiter.TargetWorkers, Is.EqualTo(1));

        arbiter.OnSignal(Signal.Ttou);
        await Until(() => _log.Lines.Count(l => l.Contains("Handling signal: ttou")) == 2, "the second TTOU handled", ct);
        Assert.That(arbiter.TargetWorkers, Is.EqualTo(1));
        Assert.That(Launched[1].Signals, Is.Empty);
    }

    [Test]
    public async Task AFailingStepOfOneEvent_IsLoggedAndTheLoopGoesOn(CancellationToken ct)
    {
        var (arbiter, run) = Start(workers: 2, onStopping: () => throw new IOException("listener close failed"));
        await Until(() => Launched.Length == 2, "2 launches", ct);

        arbiter.OnSignal(Signal.Term);

        await Until(() => _log.Has("master loop error"), "the loop error logged", ct);
        Assert.That(Launched.All(w => w.Signals.Contains(Signal.Term)), Is.True, "workers were told before the failing step");
        Launched[0].Exit(0);
        Launched[1].Exit(0);
        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(0));
    }

    [Test]
    public async Task AWorkerThatCannotBeSignalled_IsStillKilledAtItsDeadline(CancellationToken ct)
    {
        var (arbiter, run) = Start(workers: 1);
        await Until(() => Launched.Length == 1, "a launch", ct);
        Launched[0].SignalThrows = new InvalidOperationException("kill failed: EPERM");

        arbiter.OnSignal(Signal.Term);
        await Until(() => _log.Has("Can't signal worker"), "the failure logged", ct);
        Launched[0].SignalThrows = null;
        _time.Advance(TimeSpan.FromSeconds(31));

        await Until(() => Launched[0].Signals.Contains(Signal.Kill), "SIGKILL at the deadline", ct);
        Launched[0].Exit(137);
        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(0));
    }

    [Test]
    public async Task ALaunchThatFails_StopsTheMasterWithAnError(CancellationToken ct)
    {
        _launcher.FailNext = new InvalidOperationException("exec format error");
        var (arbiter, run) = Start(workers: 1);

        Assert.That(await run.WaitAsync(Bound, ct), Is.EqualTo(ExitCodes.Error));
        Assert.That(arbiter.StopReason, Is.EqualTo("Can't spawn workers."));
        Assert.That(_log.Has("Can't spawn a worker: exec format error"), Is.True, _log.ToString());
    }
}
