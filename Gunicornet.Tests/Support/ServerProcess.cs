using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gunicornet.Posix;

namespace Gunicornet.Tests.Support;

/// <summary>
/// A gunicornet master started by a test. It keeps every line the server printed (for the assertion
/// messages) and learns its port from the <c>Listening at</c> line. Which workers are ready, and in
/// which generation, it asks the master's control socket (<c>show workers</c>): each master gets a
/// socket of its own unless the test names one or turns it off; only then (and for the masters a USR2
/// starts, whose control socket is still the old one's) does it read the workers' ready lines instead.
/// On dispose it stops the master and kills every PID of it the test saw.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private readonly List<(int Pid, int Generation)> _ready = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, string? controlSocket)
    {
        _process = process;
        ControlSocket = controlSocket;
    }

    /// <summary>The master's control socket, or null when it has none (<c>--no-control-socket</c>).</summary>
    public string? ControlSocket { get; }

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

    /// <summary>Every worker PID the master has said is ready, in the order the test saw them.</summary>
    public IReadOnlyList<int> ReadyWorkers => Ready().Select(r => r.Pid).ToList();

    /// <summary>The generation of each worker the master has said is ready, by PID.</summary>
    public IReadOnlyDictionary<int, int> ReadyGenerations => Ready().ToDictionary(r => r.Pid, r => r.Generation);

    /// <summary>
    /// The workers the master has said are ready so far: from <c>show workers</c> on its control socket
    /// (each answer adds the ready ones to those seen before), else from the workers' ready lines.
    /// </summary>
    private List<(int Pid, int Generation)> Ready()
    {
        if (ControlSocket is null)
        {
            return Matches(ReadyRegex()).Select(m => (Int(m.Groups[1].Value), Int(m.Groups[2].Value))).ToList();
        }

        foreach (var worker in ShowWorkers().Where(w => w.State == "ready"))
        {
            lock (_lock)
            {
                if (!_ready.Any(r => r.Pid == worker.Pid))
                {
                    _ready.Add((worker.Pid, worker.Generation));
                }
            }
        }

        lock (_lock)
        {
            return [.. _ready];
        }
    }

    /// <summary>The master's workers as <c>show workers</c> gives them; none while its control socket does not answer.</summary>
    public IReadOnlyList<(int Pid, int Generation, string State)> ShowWorkers()
    {
        if (ControlSocket is null || _process.HasExited)
        {
            return [];
        }

        return Ask("show workers")?["workers"] is System.Text.Json.Nodes.JsonArray workers
            ? workers.Select(w => ((int)w!["pid"]!, (int)w["generation"]!, (string)w["state"]!)).ToList()
            : [];
    }

    /// <summary>The master's answer to a control command, or null while its control socket does not answer.</summary>
    public System.Text.Json.Nodes.JsonNode? Ask(string command)
    {
        if (ControlSocket is null || _process.HasExited)
        {
            return null;
        }

        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            socket.ReceiveTimeout = 5000;
            socket.SendTimeout = 5000;
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(ControlSocket));
            using var stream = new System.Net.Sockets.NetworkStream(socket);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(command + "\n"));
            using var reader = new StreamReader(stream);
            return System.Text.Json.Nodes.JsonNode.Parse(reader.ReadLine() ?? "null");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or System.Text.Json.JsonException)
        {
            // Not listening yet, or gone: nothing the master has said.
            return null;
        }
    }

    /// <summary>Waits until the master says (<c>show stats</c>) that the reload to <paramref name="generation"/> is complete.</summary>
    public Task WaitForReload(int generation, CancellationToken cancellationToken, TimeSpan? within = null) =>
        Wait.Until(
            () => Ask("show stats")?["last_reload"] is { } reload && (int)reload["generation"]! == generation && (string)reload["state"]! == "complete",
            within ?? StartTimeout,
            $"the reload to generation {generation} complete (show stats)",
            cancellationToken,
            () => Output);

    /// <summary>Masters started by this one (USR2), by PID.</summary>
    public IReadOnlyList<int> UpgradedMasters => Matches(UpgradeRegex()).Select(m => Int(m.Groups[1].Value)).ToList();

    /// <summary>True once the master process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the apphost with <paramref name="args"/>, with a control socket of its own in the temp
    /// folder unless <paramref name="args"/> name one or turn it off; in <paramref name="workingDirectory"/>
    /// (also its <c>PWD</c>, as a shell sets it) when given.
    /// </summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? fileName = null, IEnumerable<string>? prefix = null, string? workingDirectory = null)
    {
        var list = args.ToList();
        var at = list.IndexOf("--control-socket");
        var controlSocket = list.Contains("--no-control-socket") ? null
            : at >= 0 && at + 1 < list.Count ? Path.GetFullPath(list[at + 1])
            : Path.Combine(Path.GetTempPath(), $"gunicornet-test-{Guid.NewGuid():N}.ctl");
        if (controlSocket is not null && at < 0)
        {
            // The server's own arguments start after its path when a wrapper (nohup) runs it.
            list.InsertRange(list.IndexOf(Paths.Server) + 1, ["--control-socket", controlSocket]);
        }

        var start = new ProcessStartInfo(fileName ?? Paths.Server)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in (prefix ?? []).Concat(list))
        {
            start.ArgumentList.Add(arg);
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
            start.Environment["PWD"] = workingDirectory;
        }

        start.Environment.Remove("PORT");
        start.Environment.Remove("WEB_CONCURRENCY");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, controlSocket);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.Start();
        server.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Starts a server on 127.0.0.1:0 (debug log level) and waits for its address and <paramref name="workers"/> ready workers.</summary>
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
    public IReadOnlyList<int> LiveWorkers() =>
        (ControlSocket is null ? BootedWorkers : ShowWorkers().Select(w => w.Pid).Union(BootedWorkers)).Where(p => ProcessInfo.ParentOf(p) == Pid).ToList();

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
        if (ControlSocket is not null && ControlSocket.StartsWith(Path.GetTempPath(), StringComparison.Ordinal) && Path.GetFileName(ControlSocket).StartsWith("gunicornet-test-", StringComparison.Ordinal))
        {
            File.Delete(ControlSocket);
        }
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
