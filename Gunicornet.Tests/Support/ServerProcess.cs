using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>
/// A gunicornet master started by a test. It keeps every line the server printed (for the assertion
/// messages), learns its port and worker PIDs from the log, and on dispose stops the master and kills
/// every PID of it the test saw.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The master's PID.</summary>
    public int Pid { get; private set; }

    /// <summary>Everything the server printed so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join("\n", _lines);
            }
        }
    }

    /// <summary>Every worker PID the master announced (<c>Booting worker with pid: N</c>).</summary>
    public IReadOnlyList<int> BootedWorkers => Matches(BootingRegex()).Select(m => Int(m.Groups[1].Value)).ToList();

    /// <summary>Every worker PID that reported ready, in order.</summary>
    public IReadOnlyList<int> ReadyWorkers => Matches(ReadyRegex()).Select(m => Int(m.Groups[1].Value)).ToList();

    /// <summary>The generation each worker reported ready in, by PID.</summary>
    public IReadOnlyDictionary<int, int> ReadyGenerations =>
        Matches(ReadyRegex()).ToDictionary(m => Int(m.Groups[1].Value), m => Int(m.Groups[2].Value));

    /// <summary>Masters started by this one (USR2), by PID.</summary>
    public IReadOnlyList<int> UpgradedMasters => Matches(UpgradeRegex()).Select(m => Int(m.Groups[1].Value)).ToList();

    /// <summary>True once the master process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the apphost with <paramref name="args"/> (debug log level, to see readiness).</summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? fileName = null, IEnumerable<string>? prefix = null)
    {
        var start = new ProcessStartInfo(fileName ?? Paths.Server)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in (prefix ?? []).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PORT");
        start.Environment.Remove("WEB_CONCURRENCY");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.Start();
        server.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Starts a server on 127.0.0.1:0 and waits for its address and <paramref name="workers"/> ready workers.</summary>
    public static async Task<(ServerProcess Server, Uri Url)> StartReady(string app, int workers, CancellationToken cancellationToken, params string[] extra)
    {
        var server = Start(["--bind", "127.0.0.1:0", "--workers", workers.ToString(CultureInfo.InvariantCulture), "--log-level", "debug", .. extra, app]);
        try
        {
            var url = await server.WaitForListening(cancellationToken);
            await server.WaitForReady(workers, cancellationToken);
            return (server, url);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/> (and returns its match).</summary>
    public async Task<Match> WaitForLine(Regex pattern, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? StartTimeout;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                foreach (var line in _lines)
                {
                    if (pattern.Match(line) is { Success: true } match)
                    {
                        return match;
                    }
                }

                changed = _changed.Task;
            }

            var left = limit - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"no line matching /{pattern}/ within {limit.TotalSeconds:F0}s. Output:\n{Output}");
            }

            try
            {
                await changed.WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>The URL of the first listener, from <c>Listening at: URL (pid)</c>.</summary>
    public async Task<Uri> WaitForListening(CancellationToken cancellationToken) =>
        new((await WaitForLine(ListeningRegex(), cancellationToken)).Groups[1].Value);

    /// <summary>Waits until at least <paramref name="count"/> workers reported ready.</summary>
    public async Task WaitForReady(int count, CancellationToken cancellationToken)
    {
        await Wait.Until(() => ReadyWorkers.Count >= count || _process.HasExited, StartTimeout, $"{count} ready workers", cancellationToken, () => Output);
        if (ReadyWorkers.Count < count)
        {
            Assert.Fail($"the master exited (code {_process.ExitCode}) before {count} workers were ready. Output:\n{Output}");
        }
    }

    /// <summary>The worker PIDs alive now whose parent is this master.</summary>
    public IReadOnlyList<int> LiveWorkers() => BootedWorkers.Where(p => ProcessInfo.ParentOf(p) == Pid).ToList();

    /// <summary>Sends a signal to the master.</summary>
    public void Signal(Signal signal) => Signals.Send(Pid, signal);

    /// <summary>Waits for the master to exit; returns its exit code.</summary>
    public async Task<int> WaitForExit(CancellationToken cancellationToken, TimeSpan? within = null)
    {
        // Not WaitForExitAsync: it also waits for EOF on the output, which workers may still hold.
        await Wait.Until(() => _process.HasExited, within ?? StartTimeout, "the master to exit", cancellationToken, () => Output);
        return _process.ExitCode;
    }

    /// <summary>Stops the master (TERM), then kills whatever of it is left.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signals.Send(Pid, Posix.Signal.Term);
            var clock = Stopwatch.StartNew();
            while (!_process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20);
            }
        }

        foreach (var pid in UpgradedMasters.Concat(BootedWorkers).Append(Pid))
        {
            if (ProcessInfo.IsGunicornet(pid))
            {
                Signals.Send(pid, Posix.Signal.Kill);
            }
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Add(line);
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private List<Match> Matches(Regex pattern)
    {
        lock (_lock)
        {
            return _lines.Select(l => pattern.Match(l)).Where(m => m.Success).ToList();
        }
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Listening at: (\S+) \(")]
    private static partial Regex ListeningRegex();

    [GeneratedRegex(@"Booting worker with pid: (\d+)")]
    private static partial Regex BootingRegex();

    [GeneratedRegex(@"Worker (\d+) ready after \d+ ms \(generation (\d+)\)")]
    private static partial Regex ReadyRegex();

    [GeneratedRegex(@"Started new master with pid: (\d+)")]
    private static partial Regex UpgradeRegex();
}
