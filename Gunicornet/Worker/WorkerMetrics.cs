using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Gunicornet.Ipc;

namespace Gunicornet.Worker;

/// <summary>
/// The runtime's own HTTP server metrics in a worker, as ASP.NET Core and Kestrel publish them
/// (<c>http.server.request.duration</c>, <c>http.server.active_requests</c>, <c>kestrel.*</c>), heard
/// with a <see cref="MeterListener"/> rather than measured again, and handed to the master as deltas
/// with each heartbeat (<see cref="MetricsReport"/>). On only when the master serves metrics: an
/// instrument nobody listens to costs the app nothing.
/// </summary>
internal sealed class WorkerMetrics : IDisposable
{
    private const string Hosting = "Microsoft.AspNetCore.Hosting";
    private const string Kestrel = "Microsoft.AspNetCore.Server.Kestrel";

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Method, int Status, string Route), Histogram> _requests = [];
    private readonly Histogram _connections = new();
    private long _activeRequests;
    private long _activeConnections;
    private long _queuedConnections;
    private long _rejected;
    private long _proxyRefused;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _httpRefused = new();

    public WorkerMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if ((instrument.Meter.Name, instrument.Name) is (Hosting, "http.server.request.duration")
                or (Kestrel, "kestrel.active_connections") or (Kestrel, "kestrel.queued_connections")
                or (Kestrel, "kestrel.rejected_connections") or (Kestrel, "kestrel.connection.duration"))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => OnLong(instrument, value, tags, state));
        _listener.Start();
    }

    /// <summary>
    /// What changed since the last call, as the report the master adds up: the requests' and
    /// connections' histograms and the rejected connections as deltas, the gauges as they stand.
    /// </summary>
    /// <param name="activeRequests">The requests in flight, which the worker counts for its heartbeat anyway (listening to <c>http.server.active_requests</c> for it cost two callbacks a request).</param>
    public MetricsReport TakeReport(long activeRequests)
    {
        Volatile.Write(ref _activeRequests, activeRequests);
        var text = new StringBuilder();
        lock (_lock)
        {
            text.Append(CultureInfo.InvariantCulture, $"active_requests={Volatile.Read(ref _activeRequests)} active_connections={Volatile.Read(ref _activeConnections)} queued_connections={Volatile.Read(ref _queuedConnections)} rejected={Interlocked.Exchange(ref _rejected, 0)}");
            if (Interlocked.Exchange(ref _proxyRefused, 0) is > 0 and var refused)
            {
                text.Append(CultureInfo.InvariantCulture, $" proxy_refused={refused}");
            }

            foreach (var rule in _httpRefused.Keys)
            {
                if (_httpRefused.TryRemove(rule, out var count) && count > 0)
                {
                    text.Append(" http_refused=").Append(Escape(rule)).Append(',').Append(count.ToString(CultureInfo.InvariantCulture));
                }
            }

            if (_connections.Count > 0)
            {
                text.Append(" connection=").Append(_connections.Take());
            }

            foreach (var ((method, status, route), histogram) in _requests.Where(r => r.Value.Count > 0))
            {
                text.Append(" request=").Append(Escape(method)).Append(',').Append(status == 0 ? "" : status.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Escape(route)).Append(',').Append(histogram.Take());
            }
        }

        return new MetricsReport(text.ToString());
    }

    /// <summary>Counts a connection the PROXY protocol closed.</summary>
    public void CountProxyRefusal() => Interlocked.Increment(ref _proxyRefused);

    /// <summary>Counts a request <c>--http-grammar strict</c> refused, by rule.</summary>
    public void CountHttpRefusal(string rule) => _httpRefused.AddOrUpdate(rule, 1, (_, n) => n + 1);

    /// <summary>A label value as a report field carries it: no space, comma or newline.</summary>
    internal static string Escape(string value) => Uri.EscapeDataString(value);

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "kestrel.connection.duration")
        {
            lock (_lock)
            {
                _connections.Add(value);
            }

            return;
        }

        // Once per request: the tags as ASP.NET Core gives them (its method and route strings are
        // shared, the status a boxed int), no allocation here.
        string method = "", route = "";
        var status = 0;
        foreach (var (key, tag) in tags)
        {
            switch (key)
            {
                case "http.request.method":
                    method = tag as string ?? "";
                    break;
                case "http.response.status_code" when tag is int code:
                    status = code;
                    break;
                case "http.route":
                    route = tag as string ?? "";
                    break;
            }
        }

        lock (_lock)
        {
            if (!_requests.TryGetValue((method, status, route), out var histogram))
            {
                _requests[(method, status, route)] = histogram = new Histogram();
            }

            histogram.Add(value);
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        // The gauges and the counter without a lock: these come twice per request.
        switch (instrument.Name)
        {
            case "http.server.active_requests":
                Interlocked.Add(ref _activeRequests, value);
                break;
            case "kestrel.active_connections":
                Interlocked.Add(ref _activeConnections, value);
                break;
            case "kestrel.queued_connections":
                Interlocked.Add(ref _queuedConnections, value);
                break;
            case "kestrel.rejected_connections":
                Interlocked.Add(ref _rejected, value);
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    /// <summary>Counts per bucket, the sum and the count of what was observed since the last <see cref="Take"/>.</summary>
    private sealed class Histogram
    {
        private readonly long[] _buckets = new long[MetricsReport.Bounds.Length + 1];
        private double _sum;

        public long Count { get; private set; }

        public void Add(double value)
        {
            var i = 0;
            while (i < MetricsReport.Bounds.Length && value > MetricsReport.Bounds[i])
            {
                i++;
            }

            _buckets[i]++;
            _sum += value;
            Count++;
        }

        /// <summary>The counts (one per bucket, the last above every bound), then the sum, colon-separated; and starts again.</summary>
        public string Take()
        {
            var text = string.Join(':', _buckets.Select(b => b.ToString(CultureInfo.InvariantCulture))) + ":" + _sum.ToString("R", CultureInfo.InvariantCulture);
            Array.Clear(_buckets);
            _sum = 0;
            Count = 0;
            return text;
        }
    }
}
