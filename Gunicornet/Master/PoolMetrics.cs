using System.Globalization;
using System.Text;
using Gunicornet.Ipc;

namespace Gunicornet.Master;

/// <summary>
/// The pool's metrics, kept by the arbiter's loop: the workers' HTTP server figures added up per
/// worker <em>slot</em> (so counters and histograms only grow, whatever worker leaves: a worker's last
/// report is folded into its slot), the gauges of the workers alive, and the master's own counts
/// (workers by state, generation, reloads, restarts by reason, boot seconds, memory, requests).
/// Rendered in the Prometheus text format or OpenMetrics, under OpenTelemetry's names as Prometheus
/// writes them. The format is written here: a client library records values it observes itself, and
/// these are sums of histograms observed in other processes.
/// </summary>
internal sealed class PoolMetrics
{
    /// <summary>Buckets of the workers' boot time, in seconds.</summary>
    private static readonly double[] BootBounds = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>The reasons a worker is restarted, as the restart counter labels them.</summary>
    public static readonly string[] RestartReasons = ["crash", "timeout", "max_requests", "request_timeout", "memory", "lifetime", "kill"];

    private readonly Dictionary<int, Slot> _slots = [];

    /// <summary>Whether the PROXY protocol is on (its refusals are then a family of their own), as the configuration in force says.</summary>
    public Func<bool> ProxyProtocol { get; set; } = () => false;

    /// <summary>Whether <c>--http-grammar strict</c> is on (the refusals by rule are shown then).</summary>
    public Func<bool> StrictHttp { get; set; } = () => false;
    private readonly Dictionary<WorkerHandle, (long ActiveRequests, long ActiveConnections, long QueuedConnections)> _gauges = [];
    private readonly Dictionary<string, long> _restarts = RestartReasons.ToDictionary(r => r, _ => 0L);
    private readonly long[] _boots = new long[BootBounds.Length + 1];
    private double _bootSum;
    private readonly Dictionary<string, long> _statsdSent = [];
    private long _reloadsCompleted;
    private long _reloadsRolledBack;

    /// <summary>A worker's report: its deltas go to its slot, its gauges replace its last ones.</summary>
    public void Add(WorkerHandle worker, MetricsReport report)
    {
        if (report.Read() is not { } figures)
        {
            return;
        }

        var slot = SlotOf(worker);
        slot.Rejected += figures.Rejected;
        slot.ProxyRefused += figures.ProxyRefused;
        foreach (var (rule, count) in figures.HttpRefused)
        {
            slot.HttpRefused[rule] = slot.HttpRefused.GetValueOrDefault(rule) + count;
        }
        if (figures.Connections is { } connections)
        {
            slot.Connections.Add(connections);
        }

        foreach (var (method, status, route, durations) in figures.Requests)
        {
            if (!slot.Requests.TryGetValue((method, status, route), out var histogram))
            {
                slot.Requests[(method, status, route)] = histogram = new Totals(MetricsReport.Bounds.Length);
            }

            histogram.Add(durations);
        }

        _gauges[worker] = (figures.ActiveRequests, figures.ActiveConnections, figures.QueuedConnections);
    }

    /// <summary>A heartbeat: the requests the worker served since its last one go to its slot.</summary>
    public void Served(WorkerHandle worker, long served)
    {
        SlotOf(worker).Served += Math.Max(0, served - worker.ServedCounted);
        worker.ServedCounted = Math.Max(served, worker.ServedCounted);
    }

    /// <summary>A worker became ready <paramref name="seconds"/> after its spawn.</summary>
    public void Booted(double seconds)
    {
        var i = 0;
        while (i < BootBounds.Length && seconds > BootBounds[i])
        {
            i++;
        }

        _boots[i]++;
        _bootSum += seconds;
    }

    /// <summary>A worker left; <paramref name="restart"/> says why it was restarted (null when it was retired by a reload or a stop).</summary>
    public void Exited(WorkerHandle worker, string? restart)
    {
        _gauges.Remove(worker);
        if (restart is not null)
        {
            _restarts[restart] = _restarts.GetValueOrDefault(restart) + 1;
        }
    }

    /// <summary>A reload ended: completed, or rolled back to the previous generation.</summary>
    public void Reloaded(bool completed)
    {
        if (completed)
        {
            _reloadsCompleted++;
        }
        else
        {
            _reloadsRolledBack++;
        }
    }

    /// <summary>The metrics as text: Prometheus's format, or OpenMetrics 1.0.</summary>
    public string Render(IReadOnlyList<WorkerHandle> workers, int generation, bool openMetrics)
    {
        var text = new Exposition(openMetrics);
        var slots = _slots.OrderBy(s => s.Key).ToList();

        text.Family("http_server_request_duration_seconds", "histogram", "Duration of HTTP server requests.", "seconds");
        foreach (var (number, slot) in slots)
        {
            foreach (var ((method, status, route), totals) in slot.Requests.OrderBy(r => r.Key))
            {
                // OpenTelemetry leaves http.route out for a request no route matched: so does the label.
                var labels = route.Length > 0
                    ? Labels(("worker", number), ("http_request_method", method), ("http_response_status_code", status), ("http_route", route))
                    : Labels(("worker", number), ("http_request_method", method), ("http_response_status_code", status));
                text.Histogram("http_server_request_duration_seconds", labels, MetricsReport.Bounds, totals.Buckets, totals.Sum);
            }
        }

        text.Family("http_server_active_requests", "gauge", "Number of active HTTP server requests.", "");
        foreach (var (number, gauges) in GaugesBySlot(workers))
        {
            text.Sample("http_server_active_requests", Labels(("worker", number)), gauges.ActiveRequests);
        }

        text.Family("kestrel_active_connections", "gauge", "Number of connections that are currently active on the server.", "");
        foreach (var (number, gauges) in GaugesBySlot(workers))
        {
            text.Sample("kestrel_active_connections", Labels(("worker", number)), gauges.ActiveConnections);
        }

        text.Family("kestrel_queued_connections", "gauge", "Number of connections that are currently queued and are waiting to start.", "");
        foreach (var (number, gauges) in GaugesBySlot(workers))
        {
            text.Sample("kestrel_queued_connections", Labels(("worker", number)), gauges.QueuedConnections);
        }

        text.Family("kestrel_rejected_connections", "counter", "Number of connections rejected by the server.", "");
        foreach (var (number, slot) in slots)
        {
            text.Sample("kestrel_rejected_connections_total", Labels(("worker", number)), slot.Rejected);
        }

        if (ProxyProtocol())
        {
            text.Family("gunicornet_proxy_protocol_refused_connections", "counter", "Connections closed for a missing, malformed or late PROXY protocol header, or one from a peer not allowed to send it.", "");
            foreach (var (number, slot) in slots)
            {
                text.Sample("gunicornet_proxy_protocol_refused_connections_total", Labels(("worker", number)), slot.ProxyRefused);
            }
        }

        if (StrictHttp())
        {
            text.Family("gunicornet_http_refused_requests", "counter", "Requests refused (400, connection closed) for breaking a rule of the HTTP/1.1 grammar, by rule (docs/http-conformance.md).", "");
            foreach (var (number, slot) in slots)
            {
                foreach (var (rule, count) in slot.HttpRefused.OrderBy(r => r.Key, StringComparer.Ordinal))
                {
                    text.Sample("gunicornet_http_refused_requests_total", Labels(("worker", number), ("rule", rule)), count);
                }
            }
        }

        text.Family("kestrel_connection_duration_seconds", "histogram", "The duration of connections on the server.", "seconds");
        foreach (var (number, slot) in slots)
        {
            text.Histogram("kestrel_connection_duration_seconds", Labels(("worker", number)), MetricsReport.Bounds, slot.Connections.Buckets, slot.Connections.Sum);
        }

        text.Family("gunicornet_worker_requests", "counter", "Requests served, by worker slot (workers that have left included).", "");
        foreach (var (number, slot) in slots)
        {
            text.Sample("gunicornet_worker_requests_total", Labels(("worker", number)), slot.Served);
        }

        text.Family("gunicornet_worker_memory_bytes", "gauge", "Resident memory of each worker alive, at its last heartbeat.", "bytes");
        foreach (var worker in workers.Where(w => w.RssKb > 0).OrderBy(w => w.Slot).ThenBy(w => w.Age))
        {
            text.Sample("gunicornet_worker_memory_bytes", Labels(("worker", worker.Slot), ("pid", worker.Pid), ("generation", worker.Generation)), worker.RssKb * 1024);
        }

        text.Family("gunicornet_workers", "gauge", "Workers alive, by state.", "");
        foreach (var state in new[] { WorkerState.Booting, WorkerState.Ready, WorkerState.Stopping })
        {
            text.Sample("gunicornet_workers", Labels(("state", state == WorkerState.Stopping ? "draining" : state.ToString().ToLowerInvariant())), workers.Count(w => w.State == state));
        }

        text.Family("gunicornet_generation", "gauge", "The generation new workers are spawned in.", "");
        text.Sample("gunicornet_generation", "", generation);

        text.Family("gunicornet_reloads", "counter", "Reloads that ended, by result.", "");
        text.Sample("gunicornet_reloads_total", Labels(("result", "completed")), _reloadsCompleted);
        text.Sample("gunicornet_reloads_total", Labels(("result", "rolled_back")), _reloadsRolledBack);

        text.Family("gunicornet_worker_restarts", "counter", "Workers restarted, by reason.", "");
        foreach (var (reason, count) in _restarts.OrderBy(r => Array.IndexOf(RestartReasons, r.Key)))
        {
            text.Sample("gunicornet_worker_restarts_total", Labels(("reason", reason)), count);
        }

        text.Family("gunicornet_worker_boot_seconds", "histogram", "Time from a worker's spawn to its ready message.", "seconds");
        text.Histogram("gunicornet_worker_boot_seconds", "", BootBounds, _boots, _bootSum);

        text.Family("gunicornet_master_memory_bytes", "gauge", "Resident memory of the master.", "bytes");
        text.Sample("gunicornet_master_memory_bytes", "", Environment.WorkingSet);
        return text.End();
    }

    /// <summary>
    /// What happened since the last call, as statsd lines with gunicorn's names under
    /// <paramref name="prefix"/>: the requests and their statuses (counters), their mean duration (a
    /// timer sampled at 1/N, so that statsd counts the N requests), the workers (a gauge) and the
    /// master's log lines by level. Nothing for what did not change.
    /// </summary>
    public List<string> StatsdLines(string prefix, IReadOnlyList<WorkerHandle> workers, (long Warning, long Error, long Critical, long Exception) logs)
    {
        var lines = new List<string>();
        var requests = _slots.Values.SelectMany(s => s.Requests).ToList();
        var count = Delta("requests", requests.Sum(r => r.Value.Buckets.Sum()));
        var seconds = requests.Sum(r => r.Value.Sum);
        var sum = seconds - _statsdSum;
        _statsdSum = seconds;
        if (count > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}requests:{count}|c"));
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}request.duration:{sum * 1000 / count:0.###}|ms|@{1.0 / count:0.########}"));
        }

        foreach (var status in requests.GroupBy(r => r.Key.Status).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (Delta("status." + status.Key, status.Sum(r => r.Value.Buckets.Sum())) is > 0 and var n)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}request.status.{status.Key}:{n}|c"));
            }
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}workers:{workers.Count(w => w.State != WorkerState.Stopping)}|g"));
        foreach (var (level, total) in new[] { ("warning", logs.Warning), ("error", logs.Error), ("critical", logs.Critical), ("exception", logs.Exception) })
        {
            if (Delta("log." + level, total) is > 0 and var n)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}log.{level}:{n}|c"));
            }
        }

        return lines;
    }

    private double _statsdSum;

    /// <summary>How much <paramref name="total"/> grew since it was last given under <paramref name="name"/>.</summary>
    private long Delta(string name, long total)
    {
        var delta = total - _statsdSent.GetValueOrDefault(name);
        _statsdSent[name] = total;
        return delta;
    }

    private Slot SlotOf(WorkerHandle worker)
    {
        if (!_slots.TryGetValue(worker.Slot, out var slot))
        {
            _slots[worker.Slot] = slot = new Slot();
        }

        return slot;
    }

    /// <summary>The gauges of the workers alive, summed per slot (an old and a new worker share one during a reload).</summary>
    private IEnumerable<(int Slot, (long ActiveRequests, long ActiveConnections, long QueuedConnections) Gauges)> GaugesBySlot(IReadOnlyList<WorkerHandle> workers) =>
        workers.Where(_gauges.ContainsKey)
            .GroupBy(w => w.Slot)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, (g.Sum(w => _gauges[w].ActiveRequests), g.Sum(w => _gauges[w].ActiveConnections), g.Sum(w => _gauges[w].QueuedConnections))));

    private static string Labels(params (string Name, object Value)[] labels) =>
        string.Join(',', labels.Select(l => $"{l.Name}=\"{Convert.ToString(l.Value, CultureInfo.InvariantCulture)!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));

    /// <summary>What one slot's workers did, all of them together.</summary>
    private sealed class Slot
    {
        public Dictionary<(string Method, string Status, string Route), Totals> Requests { get; } = [];

        public Totals Connections { get; } = new(MetricsReport.Bounds.Length);

        public long Rejected { get; set; }

        public long ProxyRefused { get; set; }

        public Dictionary<string, long> HttpRefused { get; } = [];

        public long Served { get; set; }
    }

    /// <summary>A histogram's running totals.</summary>
    private sealed class Totals(int bounds)
    {
        public long[] Buckets { get; } = new long[bounds + 1];

        public double Sum { get; private set; }

        public void Add(MetricsReport.Histogram delta)
        {
            for (var i = 0; i < Buckets.Length && i < delta.Buckets.Length; i++)
            {
                Buckets[i] += delta.Buckets[i];
            }

            Sum += delta.Sum;
        }
    }

    /// <summary>Writes the text exposition formats.</summary>
    private sealed class Exposition(bool openMetrics)
    {
        private readonly StringBuilder _text = new();

        public void Family(string name, string type, string help, string unit)
        {
            // Prometheus's text format names a counter's family by its sample (..._total); OpenMetrics without the suffix.
            name = type == "counter" && !openMetrics ? name + "_total" : name;
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            if (openMetrics && unit.Length > 0)
            {
                _text.Append("# UNIT ").Append(name).Append(' ').Append(unit).Append('\n');
            }
        }

        public void Sample(string name, string labels, double value)
        {
            _text.Append(name);
            if (labels.Length > 0)
            {
                _text.Append('{').Append(labels).Append('}');
            }

            _text.Append(' ').Append(Number(value)).Append('\n');
        }

        public void Histogram(string name, string labels, double[] bounds, long[] buckets, double sum)
        {
            var prefix = labels.Length > 0 ? labels + "," : "";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += buckets[i];
                Sample(name + "_bucket", prefix + $"le=\"{Number(bounds[i])}\"", cumulative);
            }

            cumulative += buckets[^1];
            Sample(name + "_bucket", prefix + "le=\"+Inf\"", cumulative);
            Sample(name + "_sum", labels, sum);
            Sample(name + "_count", labels, cumulative);
        }

        public string End()
        {
            if (openMetrics)
            {
                _text.Append("# EOF\n");
            }

            return _text.ToString();
        }

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
