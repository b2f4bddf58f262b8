using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gunicornet.Posix;
using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Master;

/// <summary>
/// The master's control socket (<c>gunicornet ctl</c>; gunicorn's <c>gunicornc</c>): a unix socket,
/// mode 0600 by default, taking one command line per connection and answering one JSON object.
/// Commands act through the arbiter loop, as signals do.
/// </summary>
internal sealed partial class ControlServer : IDisposable
{
    /// <summary>Every command, as <c>help</c> lists it.</summary>
    public static readonly string[] Commands =
    [
        "show workers", "show stats", "show listeners", "show metrics", "show config", "worker add [N]", "worker remove [N]",
        "worker kill PID", "reload", "reopen", "shutdown [graceful|quick]", "help",
    ];

    private readonly string _path;
    private readonly int _mode;
    private readonly Arbiter _arbiter;
    private readonly Func<IReadOnlyList<string>> _listeners;
    private readonly Func<IReadOnlyList<string>> _metrics;
    private readonly IReadOnlyList<string> _config;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;

    private ControlServer(string path, int mode, Arbiter arbiter, Func<IReadOnlyList<string>> listeners, Func<IReadOnlyList<string>> metrics, IReadOnlyList<string> config, TimeProvider time, ILogger logger)
    {
        _metrics = metrics;
        _time = time;
        _started = time.GetUtcNow();
        _path = path;
        _mode = mode;
        _arbiter = arbiter;
        _listeners = listeners;
        _config = config;
        _logger = logger;
    }

    /// <summary>Starts serving at <paramref name="path"/>; a socket another live server holds is taken over once it is free.</summary>
    public static ControlServer Start(string path, int mode, Arbiter arbiter, Func<IReadOnlyList<string>> listeners, Func<IReadOnlyList<string>> metrics, IReadOnlyList<string> config, TimeProvider time, ILogger logger)
    {
        var server = new ControlServer(Path.GetFullPath(path), mode, arbiter, listeners, metrics, config, time, logger);
        _ = server.RunAsync();
        return server;
    }

    private async Task RunAsync()
    {
        var waiting = false;
        while (!_stop.IsCancellationRequested)
        {
            switch (TryBind())
            {
                case BindResult.Bound:
                    LogControlSocket(_path);
                    await AcceptLoop.RunAsync(_socket!, ServeAsync, _stop.Token).ConfigureAwait(false);
                    return;
                case BindResult.InUse:
                    if (!waiting)
                    {
                        // After a USR2 upgrade the old master holds it until it exits.
                        LogInUse(_path);
                        waiting = true;
                    }

                    break;
                case BindResult.Failed:
                    return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private enum BindResult
    {
        Bound,
        InUse,
        Failed,
    }

    private BindResult TryBind()
    {
        if (File.Exists(_path))
        {
            if (!Listener.IsSocket(_path))
            {
                LogCannotBind(_path, "a file that is not a socket is in the way");
                return BindResult.Failed;
            }

            if (Listener.IsInUse(_path))
            {
                return BindResult.InUse;
            }

            // Left over from a master that died.
            File.Delete(_path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        // Created with the mode asked for (no window in which it is more open), then set exactly.
        var mask = ProcessMask.Use(~_mode & 0x1FF);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(_path));
            socket.Listen(16);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            LogCannotBind(_path, e.Message);
            return BindResult.Failed;
        }
        finally
        {
            mask.Dispose();
        }

        File.SetUnixFileMode(_path, (UnixFileMode)_mode);
        _socket = socket;
        return BindResult.Bound;
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await using var stream = new NetworkStream(client, ownsSocket: false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var line = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? "";
                var answer = await AnswerAsync(line.Trim()).ConfigureAwait(false);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(answer.ToJsonString() + "\n"), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    /// <summary>Carries out one command; the answer is a JSON object, with "error" when it failed.</summary>
    internal async Task<JsonObject> AnswerAsync(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words)
        {
            case ["show", "workers"]:
                return new JsonObject { ["workers"] = await WorkersAsync().ConfigureAwait(false) };
            case ["show", "stats"]:
                return await StatsAsync().ConfigureAwait(false);
            case ["show", "listeners"]:
                var listeners = new JsonObject { ["listeners"] = new JsonArray([.. _listeners().Select(l => JsonValue.Create(l))]) };
                if (_metrics() is { Count: > 0 } metrics)
                {
                    listeners["metrics"] = new JsonArray([.. metrics.Select(l => JsonValue.Create(l))]);
                }

                return listeners;
            case ["show", "metrics"]:
                return new JsonObject { ["metrics"] = await MetricsAsync().ConfigureAwait(false) };
            case ["show", "config"]:
                return new JsonObject { ["config"] = new JsonArray([.. _config.Select(l => JsonValue.Create(l))]) };
            case ["worker", "add", .. var more]:
                return await ScaleAsync(add: true, more).ConfigureAwait(false);
            case ["worker", "remove", .. var fewer]:
                return await ScaleAsync(add: false, fewer).ConfigureAwait(false);
            case ["worker", "kill", var pidText]:
                return await KillAsync(pidText).ConfigureAwait(false);
            case ["reload"]:
                return await SignalAsync(Signal.Hup, "reload").ConfigureAwait(false);
            case ["reopen"]:
                return await SignalAsync(Signal.Usr1, "reopen").ConfigureAwait(false);
            case ["shutdown"] or ["shutdown", "graceful"]:
                return await SignalAsync(Signal.Term, "shutdown").ConfigureAwait(false);
            case ["shutdown", "quick"]:
                return await SignalAsync(Signal.Int, "shutdown quick").ConfigureAwait(false);
            case ["help"]:
                return new JsonObject { ["commands"] = new JsonArray([.. Commands.Select(c => JsonValue.Create(c))]) };
            default:
                return Error($"unknown command '{command}'; commands: {string.Join(", ", Commands)}");
        }
    }

    private static JsonObject Error(string message) => new() { ["error"] = message };

    /// <summary>The pool's metrics as <c>/metrics</c> has them, one object per sample: name, labels, value.</summary>
    private async Task<JsonArray> MetricsAsync()
    {
        var text = await _arbiter.InLoop(() => _arbiter.Metrics.Render(_arbiter.Workers, _arbiter.Generation, openMetrics: false)).ConfigureAwait(false);
        var samples = new JsonArray();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            var space = line.LastIndexOf(' ');
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            samples.Add(new JsonObject
            {
                ["name"] = brace > 0 && brace < space ? line[..brace] : line[..space],
                ["labels"] = brace > 0 && brace < space ? line[(brace + 1)..line.LastIndexOf('}')] : "",
                ["value"] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture),
            });
        }

        return samples;
    }

    private async Task<JsonArray> WorkersAsync()
    {
        var now = _time.GetUtcNow();
        var workers = await _arbiter.InLoop(() => _arbiter.Workers
            .Where(w => w.Pid > 0)
            .Select(w => (w.Pid, w.Generation, w.Age, w.Slot, w.SpawnedAt, w.Served, w.InFlight, w.State, w.LastSeen, w.ReplaceReason, w.RetireAt, w.OverMemoryAtBoot))
            .ToList()).ConfigureAwait(false);
        return new JsonArray([.. workers.Select(w => (JsonNode)new JsonObject
        {
            ["pid"] = w.Pid,
            ["generation"] = w.Generation,
            ["age"] = w.Age,
            ["slot"] = w.Slot,
            ["uptime_s"] = Math.Round((now - w.SpawnedAt).TotalSeconds, 1),
            ["requests"] = w.Served,
            ["in_flight"] = w.InFlight,
            ["rss_kb"] = ProcStatus(w.Pid, "VmRSS"),
            ["state"] = w.State.ToString().ToLowerInvariant(),
            ["last_beat_s"] = w.LastSeen == default ? null : Math.Round((now - w.LastSeen).TotalSeconds, 1),
            ["replacing"] = w.ReplaceReason,
            ["lifetime_left_s"] = w.RetireAt is { } at ? Math.Max(0, Math.Round((at - now).TotalSeconds, 1)) : null,
            ["over_memory_at_boot"] = w.OverMemoryAtBoot,
        })]);
    }

    private async Task<JsonObject> StatsAsync()
    {
        var (target, generation, live, served, inFlight, reload) = await _arbiter.InLoop(() => (
            _arbiter.TargetWorkers,
            _arbiter.Generation,
            _arbiter.Workers.Count,
            _arbiter.ServedByGone + _arbiter.Workers.Sum(w => w.Served),
            _arbiter.Workers.Sum(w => w.InFlight),
            _arbiter.LastReload)).ConfigureAwait(false);
        var gc = GC.GetGCMemoryInfo();
        return new JsonObject
        {
            ["master_pid"] = Environment.ProcessId,
            ["uptime_s"] = Math.Round((_time.GetUtcNow() - _started).TotalSeconds, 1),
            ["generation"] = generation,
            ["workers_target"] = target,
            ["workers"] = live,
            ["requests"] = served,
            ["in_flight"] = inFlight,
            ["master_rss_kb"] = ProcStatus(Environment.ProcessId, "VmRSS"),
            ["master_gc_heap_kb"] = gc.HeapSizeBytes / 1024,
            ["master_gc_committed_kb"] = gc.TotalCommittedBytes / 1024,
            ["master_threads"] = Directory.GetDirectories("/proc/self/task").Length,
            ["last_reload"] = reload is null ? null : new JsonObject
            {
                ["number"] = reload.Number,
                ["generation"] = reload.Generation,
                ["state"] = reload.State switch
                {
                    ReloadState.Reloading => "reloading",
                    ReloadState.Complete => "complete",
                    ReloadState.RolledBack => "rolled back",
                    _ => "refused",
                },
                ["reason"] = reload.Reason,
            },
        };
    }

    private async Task<JsonObject> ScaleAsync(bool add, string[] rest)
    {
        var count = 1;
        if (rest is [var text] && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            return Error($"'{text}' is not a number of workers (1 or more)");
        }

        if (rest.Length > 1)
        {
            return Error("worker add and worker remove take one number");
        }

        return await _arbiter.InLoop(() =>
        {
            var previous = _arbiter.TargetWorkers;
            for (var i = 0; i < count; i++)
            {
                _arbiter.Command(add ? Signal.Ttin : Signal.Ttou, add ? "worker add" : "worker remove");
            }

            return new JsonObject
            {
                [add ? "added" : "removed"] = Math.Abs(_arbiter.TargetWorkers - previous),
                ["previous"] = previous,
                ["total"] = _arbiter.TargetWorkers,
            };
        }).ConfigureAwait(false);
    }

    private async Task<JsonObject> KillAsync(string pidText)
    {
        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return Error($"'{pidText}' is not a pid");
        }

        return await _arbiter.InLoop(() =>
        {
            // Only this master's own workers; it replaces the one that leaves.
            var worker = _arbiter.Workers.FirstOrDefault(w => w.Pid == pid);
            if (worker is null)
            {
                return Error($"{pid} is not a worker of this master");
            }

            LogKill(pid);
            worker.ExitReason = "kill";
            worker.Tell('r');
            worker.Signal(Signal.Term);
            return new JsonObject { ["killed"] = pid };
        }).ConfigureAwait(false);
    }

    private async Task<JsonObject> SignalAsync(Signal signal, string name) =>
        await _arbiter.InLoop(() =>
        {
            _arbiter.Command(signal, name);
            return new JsonObject { ["ok"] = name };
        }).ConfigureAwait(false);

    /// <summary>A kB figure from <c>/proc/PID/status</c> (VmRSS), or null when it can't be read.</summary>
    private static long? ProcStatus(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }

    /// <summary>Stops serving and removes the socket file (when it is ours).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        if (_socket is not null)
        {
            _socket.Dispose();
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = EventIds.ControlSocket, Level = LogLevel.Debug, Message = "Control socket at {Path}")]
    private partial void LogControlSocket(string path);

    [LoggerMessage(EventId = EventIds.InUse, Level = LogLevel.Information, Message = "Control socket {Path} is in use by another master; taking it over once it is free")]
    private partial void LogInUse(string path);

    [LoggerMessage(EventId = EventIds.CannotBind, Level = LogLevel.Warning, Message = "No control socket: can't bind {Path}: {Reason}")]
    private partial void LogCannotBind(string path, string reason);

    [LoggerMessage(EventId = EventIds.Kill, Level = LogLevel.Information, Message = "Control command: worker kill {Pid}")]
    private partial void LogKill(int pid);
}
