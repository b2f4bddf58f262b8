using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>Heartbeat timeout, boot timeout and max-requests recycling, on real workers.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(90_000)]
public sealed class LivenessTests
{
    [Test]
    public async Task AWorkerWhoseThreadPoolIsStarved_IsKilledAtTheTimeout_AndReplaced(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--timeout", "3");
        await using var _ = server;
        var victim = server.LiveWorkers().Single();

        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var starve = Http.Get(url, "/starve?seconds=120", quick.Token).ContinueWith(t => t.Exception, TaskScheduler.Default);
        await server.WaitForLine(new Regex($"starving {victim}"), ct);

        await server.WaitForLine(new Regex($@"\[CRITICAL\] WORKER TIMEOUT \(pid:{victim}\)"), ct);
        await server.WaitForReady(2, ct);
        Assert.That(ProcessInfo.IsAlive(victim), Is.False);
        Assert.That(await Http.Get(url, "/", ct), Is.EqualTo((200, "main")));
    }

    [Test]
    public async Task AWorkerThatNeverBecomesReady_IsKilledAtTheBootTimeout_AndTheMasterStops(CancellationToken ct)
    {
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--boot-timeout", "2", Paths.TestApp("testapp") + ":TestApp.SlowBootApp"]);
        await using var _ = server;

        Assert.That(await server.WaitForExit(ct), Is.EqualTo(ExitCodes.WorkerBootError), server.Output);
        Assert.That(server.Output, Does.Contain("not ready after 2s (boot timeout); sending SIGKILL"));
        Assert.That(server.Output, Does.Contain("Reason: Worker failed to boot: not ready within the boot timeout."));
    }

    [Test]
    public async Task AnAppThatLeaksMemory_IsRecycledByMaxRequests_AndItsSuccessorStartsSmall(CancellationToken ct)
    {
        const int MaxRequests = 60;
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--max-requests", MaxRequests.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var _ = server;
        var leaker = server.LiveWorkers().Single();
        var startRss = ProcessInfo.RssKb(leaker);

        // Each request keeps a megabyte: 50 of them leave the worker at least 50 MB bigger.
        for (var i = 1; i <= 50; i++)
        {
            Assert.That(await Http.Get(url, "/leak", ct), Is.EqualTo((200, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        var leakedRss = ProcessInfo.RssKb(leaker);
        Assert.That(leakedRss - startRss, Is.GreaterThan(50 * 1024), "the leak is resident");

        // The rest of its share: the worker is replaced, and its successor holds none of the leak.
        for (var i = 0; i < MaxRequests; i++)
        {
            Assert.That((await Http.Get(url, "/", ct)).Status, Is.EqualTo(200));
        }

        await Wait.Until(() => !ProcessInfo.IsAlive(leaker), TimeSpan.FromSeconds(30), "the leaking worker to be retired", ct, () => server.Output);
        var successor = server.LiveWorkers().Single();
        Assert.That(await Http.Get(url, "/leak", ct), Is.EqualTo((200, "1")), "the successor starts with nothing leaked");
        Assert.That(ProcessInfo.RssKb(successor), Is.LessThan(leakedRss - (40 * 1024)), $"successor RSS against the leaker's {leakedRss} kB");
    }

    [Test]
    public async Task MaxRequests_ReplacesAWorker_WithItsSuccessorReadyFirst_AndNoRequestLost(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 1, ct, "--max-requests", "200", "--max-requests-jitter", "50");
        await using var _ = server;
        var first = server.LiveWorkers().Single();
        var load = KeepAliveLoad.Start(url.Port, connections: 4);

        await server.WaitForLine(new Regex($@"Autorestarting worker \(pid:{first}\) after \d+ requests"), ct);
        await Wait.Until(() => !ProcessInfo.IsAlive(first), TimeSpan.FromSeconds(30), "the first worker to leave", ct, () => server.Output);
        await load.StopAsync();

        Assert.That(load.Failed, Is.Zero, load.ToString());
        var successor = server.BootedWorkers[1];
        var lines = server.Output.Split('\n').ToList();
        // Both lines come from the master's one log queue, so their order is the order of events.
        var successorReady = lines.FindIndex(l => l.Contains($"Worker {successor} ready after"));
        var firstRetired = lines.FindIndex(l => l.Contains($"Retiring worker (pid:{first},"));
        Assert.That(successorReady, Is.GreaterThanOrEqualTo(0).And.LessThan(firstRetired), "the successor was ready before the first worker was retired:\n" + server.Output);
    }

    [Test]
    public async Task AnAppThatLeaksMemory_IsRecycledByMaxWorkerMemory_AndItsSuccessorStartsSmall(CancellationToken ct)
    {
        const int LimitMb = 200;
        var (server, url) = await ServerProcess.StartReady(Paths.TestApp("testapp"), workers: 1, ct, "--max-worker-memory", LimitMb.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var _ = server;
        var leaker = server.LiveWorkers().Single();
        Assert.That(ProcessInfo.RssKb(leaker), Is.LessThan(LimitMb * 1024 / 2), "the worker boots well under the limit");
        var load = KeepAliveLoad.Start(url.Port, connections: 2);

        // A megabyte kept per request, until the master has replaced it (bounded: twice the limit).
        for (var i = 1; i <= 2 * LimitMb && ProcessInfo.IsAlive(leaker) && !server.ShowWorkers().Any(w => w.Pid != leaker); i++)
        {
            Assert.That((await Http.Get(url, "/leak", ct)).Status, Is.EqualTo(200));
        }

        // Gone, and gone from the master's list too (it lists a worker until it has handled its exit).
        await Wait.Until(() => !ProcessInfo.IsAlive(leaker) && server.ShowWorkers() is [{ State: "ready" } only] && only.Pid != leaker, TimeSpan.FromSeconds(30), "the leaking worker to be retired", ct, () => server.Output);
        await load.StopAsync();
        var live = server.LiveWorkers();
        Assert.That(live, Has.Count.EqualTo(1), server.Output);
        var successor = live[0];

        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(server.Output, Does.Match($@"Autorestarting worker \(pid:{leaker}, slot 1\): \d+ MB resident, over --max-worker-memory {LimitMb} MB"));
        Assert.That(server.ShowWorkers().Single().Generation, Is.EqualTo(1), "replaced in its generation, not reloaded");
        Assert.That(await Http.Get(url, "/leak", ct), Is.EqualTo((200, "1")), "the successor starts with nothing leaked");
        Assert.That(ProcessInfo.RssKb(successor), Is.LessThan(LimitMb * 1024));
    }

    [Test]
    public async Task MaxWorkerLifetime_ReplacesAWorker_WithItsSuccessorReadyFirst_AndNoRequestLost(CancellationToken ct)
    {
        var (server, url) = await ServerProcess.StartReady(Paths.Sample("hello"), workers: 2, ct, "--max-worker-lifetime", "3", "--max-worker-lifetime-jitter", "2");
        await using var _ = server;
        var first = server.LiveWorkers();
        var workers = server.Ask("show workers")!["workers"]!.AsArray();
        Assert.That(workers.Select(w => (double)w!["lifetime_left_s"]!), Is.All.InRange(0.0, 5.0));
        var load = KeepAliveLoad.Start(url.Port, connections: 4);

        await Wait.Until(() => first.All(w => !ProcessInfo.IsAlive(w)) && server.ShowWorkers().Count(w => w.State == "ready") == 2, TimeSpan.FromSeconds(30), "both first workers replaced", ct, () => server.Output);
        await load.StopAsync();

        Assert.That(load.Failed, Is.Zero, load.ToString());
        Assert.That(server.ShowWorkers().Select(w => w.Generation), Is.All.EqualTo(1), "replaced in their generation");
        foreach (var pid in first)
        {
            Assert.That(server.Output, Does.Match($@"Autorestarting worker \(pid:{pid}, slot [12]\) after \d+s \(--max-worker-lifetime\)"));
        }
    }

    [Test]
    public async Task AWorkerThatKeepsCrashingSoonAfterBoot_IsRespawnedWithAGrowingDelay(CancellationToken ct)
    {
        var server = ServerProcess.Start(["-b", "127.0.0.1:0", "--log-level", "debug", Paths.TestApp("testapp") + ":TestApp.CrashingApp"]);
        await using var _ = server;

        await server.WaitForLine(new Regex(@"Workers keep dying soon after boot \(2 in a row\); next spawn in 1s"), ct);
        await server.WaitForLine(new Regex(@"Workers keep dying soon after boot \(3 in a row\); next spawn in 2s"), ct);

        Assert.That(server.HasExited, Is.False, "the master keeps trying, without spinning");
        Assert.That(server.BootedWorkers, Has.Count.LessThanOrEqualTo(4), server.Output);
    }
}
