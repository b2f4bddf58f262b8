using System.Net;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Processes;

/// <summary>
/// What an app written for one process keeps in memory is per worker under Gunicornet: a session, the
/// output cache, a background job. Each trap is shown, then its recipe (README, "Running real apps"):
/// the session and the cache in Redis, the job behind a file lock.
/// </summary>
[TestFixture]
[Category("Process")]
[CancelAfter(120_000)]
public sealed class SharedStateTests
{
    private static readonly string App = Paths.TestApp("sharedstateapp");

    [Test]
    public async Task ASessionInMemory_IsPerWorker_InRedis_EveryWorkerHasIt(CancellationToken ct)
    {
        await using var redis = await RedisServer.Start(ct);
        var (memory, memoryUrl) = await ServerProcess.StartReady(App, workers: 2, ct);
        await using var _ = memory;
        var (shared, sharedUrl) = await ServerProcess.StartReady(App, workers: 2, ct, "-e", "REDIS=" + redis.Configuration);
        await using var __ = shared;

        var inMemory = await Counts(memoryUrl, "/session", ct);
        var inRedis = await Counts(sharedUrl, "/session", ct);
        TestContext.Out.WriteLine($"in memory: {string.Join(" ", inMemory.Select(c => c.Count))}; in Redis: {string.Join(" ", inRedis.Select(c => c.Count))}");

        Assert.That(inMemory.Select(c => c.Worker).Distinct().Count(), Is.EqualTo(2), "both workers answered");
        Assert.That(inMemory.Select(c => c.Count), Is.Not.EqualTo(Enumerable.Range(1, inMemory.Count)), "each worker kept its own session");
        Assert.That(inRedis.Select(c => c.Worker).Distinct().Count(), Is.EqualTo(2), "both workers answered");
        Assert.That(inRedis.Select(c => c.Count), Is.EqualTo(Enumerable.Range(1, inRedis.Count)), "one session, whichever worker answered");
    }

    [Test]
    public async Task TheOutputCacheInMemory_IsPerWorker_InRedis_IsOne_AndAnEvictionReachesEveryWorker(CancellationToken ct)
    {
        await using var redis = await RedisServer.Start(ct);
        var (memory, memoryUrl) = await ServerProcess.StartReady(App, workers: 2, ct);
        await using var _ = memory;
        var (shared, sharedUrl) = await ServerProcess.StartReady(App, workers: 2, ct, "-e", "REDIS=" + redis.Configuration);
        await using var __ = shared;

        Assert.That(await Bodies(memoryUrl, ct), Has.Count.EqualTo(2), "a cached copy per worker");
        var before = await Bodies(sharedUrl, ct);
        Assert.That(before, Has.Count.EqualTo(1), "one cached copy");

        Assert.That((await Http.Send(HttpMethod.Post, sharedUrl, "/evict", ct)).Status, Is.EqualTo(200));
        var after = await Bodies(sharedUrl, ct);
        Assert.That(after, Has.Count.EqualTo(1), "one new copy, whichever worker evicted");
        Assert.That(after, Is.Not.EquivalentTo(before));
    }

    [Test]
    public async Task ABackgroundJob_RunsInEveryWorker_BehindAFileLock_InOneAtATime(CancellationToken ct)
    {
        using var dir = new TempDirectory("gunicornet-job");
        var (everywhere, _) = await ServerProcess.StartReady(App, workers: 3, ct, "-e", "TICKS=" + dir.File("everywhere"));
        await using (everywhere)
        {
            await Wait.Until(() => Tickers(dir.File("everywhere")).Count == 3, TimeSpan.FromSeconds(10), "three workers running the job", ct);
        }

        var (locked, _) = await ServerProcess.StartReady(App, workers: 3, ct, "-e", "TICKS=" + dir.File("one"), "-e", "JOB_LOCK=" + dir.File("job.lock"));
        await using var __ = locked;
        await Wait.Until(() => File.Exists(dir.File("one")) && File.ReadAllLines(dir.File("one")).Length >= 20, TimeSpan.FromSeconds(10), "the job's ticks", ct);
        var first = Tickers(dir.File("one"));
        Assert.That(first, Has.Count.EqualTo(1), "one worker runs the job");

        // Its worker dies: another takes the lock and the job goes on, still in one worker.
        Posix.Signals.Send(first.Single(), Posix.Signal.Kill);
        var ticked = File.ReadAllLines(dir.File("one")).Length;
        await Wait.Until(() => File.ReadAllLines(dir.File("one")).Skip(ticked).Distinct().Count(p => p != first.Single().ToString(System.Globalization.CultureInfo.InvariantCulture)) == 1 && File.ReadAllLines(dir.File("one")).Length > ticked + 20, TimeSpan.FromSeconds(15), "another worker to take over", ct);
        Assert.That(File.ReadAllLines(dir.File("one")).Skip(ticked).Distinct().Count(), Is.LessThanOrEqualTo(2), "the dead worker's last ticks, then one other");
    }

    /// <summary>
    /// GETs with one cookie jar, each on a new connection, until both workers have answered (20 at
    /// least, 200 at most: the kernel may give a run of short connections to one worker): the count
    /// and the worker of each answer.
    /// </summary>
    private static async Task<List<(int Count, string Worker)>> Counts(Uri url, string path, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = url };
        var answers = new List<(int, string Worker)>();
        while (answers.Count < 20 || (answers.Select(a => a.Worker).Distinct().Count() < 2 && answers.Count < 200))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request, ct);
            var parts = (await response.Content.ReadAsStringAsync(ct)).Split(' ');
            answers.Add((int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1]));
        }

        return answers;
    }

    /// <summary>The distinct bodies of GETs of the cached route, each on a new connection, until both workers have answered (20 at least, 200 at most).</summary>
    private static async Task<HashSet<string>> Bodies(Uri url, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = url };
        var bodies = new HashSet<string>();
        var workers = new HashSet<string>();
        for (var i = 0; i < 200 && (i < 20 || workers.Count < 2); i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/cached");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request, ct);
            bodies.Add((await response.Content.ReadAsStringAsync(ct)).Split(' ')[0]);
            workers.Add(response.Headers.GetValues("X-Worker").Single());
        }

        Assert.That(workers, Has.Count.EqualTo(2), "both workers answered");
        return bodies;
    }

    /// <summary>The PIDs that wrote ticks into <paramref name="file"/>.</summary>
    private static HashSet<int> Tickers(string file) =>
        File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet() : [];
}
