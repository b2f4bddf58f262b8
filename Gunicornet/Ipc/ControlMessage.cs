using System.Globalization;

namespace Gunicornet.Ipc;

/// <summary>
/// A message from a worker to its master, one text line on the worker's control pipe:
/// <c>booted</c>, <c>ready</c>, <c>heartbeat served=N inflight=N oldest_ms=N rss_kb=N</c>, <c>exiting REASON</c>,
/// <c>failed MESSAGE</c>, <c>metrics FIELDS</c>.
/// </summary>
internal abstract record ControlMessage
{
    /// <summary>The line (without its newline) that carries this message.</summary>
    public abstract string Format();

    /// <summary>Parses one line; returns null for a line this version does not understand.</summary>
    public static ControlMessage? Parse(string line)
    {
        var space = line.IndexOf(' ');
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? "" : line[(space + 1)..];
        return verb switch
        {
            "booted" => new Booted(),
            "ready" => Ready.ParseFields(rest),
            "heartbeat" => Heartbeat.ParseFields(rest),
            "exiting" => new Exiting(rest),
            "failed" => new Failed(rest),
            "metrics" => new MetricsReport(rest),
            _ => null,
        };
    }
}

/// <summary>The worker process is running and is about to load the app.</summary>
internal sealed record Booted : ControlMessage
{
    /// <inheritdoc />
    public override string Format() => "booted";
}

/// <summary>
/// Kestrel is listening on the inherited sockets and the app is initialised; with the worker's resident
/// memory then (0 when not said), its size at boot, before any request could make it grow.
/// </summary>
internal sealed record Ready(long RssKb = 0) : ControlMessage
{
    /// <inheritdoc />
    public override string Format() => RssKb > 0 ? string.Create(CultureInfo.InvariantCulture, $"ready rss_kb={RssKb}") : "ready";

    internal static Ready? ParseFields(string text)
    {
        long rss = 0;
        foreach (var field in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (field.StartsWith("rss_kb=", StringComparison.Ordinal) && !long.TryParse(field.AsSpan("rss_kb=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out rss))
            {
                return null;
            }
        }

        return new Ready(rss);
    }
}

/// <summary>The worker is alive; sent from the thread pool once a second, with its counters and its resident memory.</summary>
internal sealed record Heartbeat(long Served, int InFlight, long OldestInFlightMs, long RssKb = 0) : ControlMessage
{
    /// <inheritdoc />
    public override string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"heartbeat served={Served} inflight={InFlight} oldest_ms={OldestInFlightMs} rss_kb={RssKb}");

    internal static Heartbeat? ParseFields(string text)
    {
        long served = 0, oldest = 0, rss = 0;
        var inFlight = 0;
        foreach (var field in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = field.IndexOf('=');
            if (eq < 0)
            {
                return null;
            }

            var value = field[(eq + 1)..];
            var ok = field[..eq] switch
            {
                "served" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out served),
                "inflight" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out inFlight),
                "oldest_ms" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out oldest),
                "rss_kb" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out rss),
                _ => true,
            };
            if (!ok)
            {
                return null;
            }
        }

        return new Heartbeat(served, inFlight, oldest, rss);
    }
}

/// <summary>The worker is leaving on its own, and why.</summary>
internal sealed record Exiting(string Reason) : ControlMessage
{
    /// <inheritdoc />
    public override string Format() => "exiting " + Reason.ReplaceLineEndings(" ");
}

/// <summary>The worker could not load or start the app: its one-line error, for the master to repeat.</summary>
internal sealed record Failed(string Message) : ControlMessage
{
    /// <inheritdoc />
    public override string Format() => "failed " + Message.ReplaceLineEndings(" ");
}

/// <summary>
/// What a worker's HTTP server metrics did since its last report (sent with the heartbeat when the
/// master serves metrics): <c>active_requests=N active_connections=N queued_connections=N rejected=N</c>
/// (the gauges as they stand, the rejected connections since the last report), <c>proxy_refused=N</c>
/// (connections the PROXY protocol closed since the last report; absent when none), <c>http_refused=RULE,N</c>
/// (requests <c>--http-grammar strict</c> refused since, one field a rule; absent when none), then
/// <c>connection=H</c> and <c>request=METHOD,STATUS,ROUTE,H</c> histograms of what happened since,
/// each <c>H</c> the counts per bucket of <see cref="Bounds"/> (the last above them all) and the sum,
/// colon-separated; label values are percent-encoded.
/// </summary>
internal sealed record MetricsReport(string Fields) : ControlMessage
{
    /// <summary>
    /// The histograms' bucket bounds, in seconds: OpenTelemetry's advice for
    /// <c>http.server.request.duration</c>, which ASP.NET Core publishes with it.
    /// </summary>
    public static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <inheritdoc />
    public override string Format() => "metrics " + Fields;

    /// <summary>A histogram's counts per bucket and sum.</summary>
    public sealed record Histogram(long[] Buckets, double Sum);

    /// <summary>The report's figures; null for one this version cannot read.</summary>
    public (long ActiveRequests, long ActiveConnections, long QueuedConnections, long Rejected, long ProxyRefused, List<(string Rule, long Count)> HttpRefused, Histogram? Connections, List<(string Method, string Status, string Route, Histogram Durations)> Requests)? Read()
    {
        long active = 0, connections = 0, queued = 0, rejected = 0, proxyRefused = 0;
        Histogram? connectionDurations = null;
        var requests = new List<(string, string, string, Histogram)>();
        var httpRefused = new List<(string, long)>();
        foreach (var field in Fields.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = field.IndexOf('=');
            if (eq < 0)
            {
                return null;
            }

            var value = field[(eq + 1)..];
            switch (field[..eq])
            {
                case "active_requests" when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out active):
                case "active_connections" when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out connections):
                case "queued_connections" when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out queued):
                case "rejected" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out rejected):
                case "proxy_refused" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out proxyRefused):
                    break;
                case "http_refused" when value.Split(',') is [var rule, var text] && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count):
                    httpRefused.Add((Uri.UnescapeDataString(rule), count));
                    break;
                case "connection" when ReadHistogram(value) is { } histogram:
                    connectionDurations = histogram;
                    break;
                case "request" when value.Split(',') is [var method, var status, var route, var h] && ReadHistogram(h) is { } histogram:
                    requests.Add((Uri.UnescapeDataString(method), Uri.UnescapeDataString(status), Uri.UnescapeDataString(route), histogram));
                    break;
                case "active_requests" or "active_connections" or "queued_connections" or "rejected" or "proxy_refused" or "http_refused" or "connection" or "request":
                    return null;
            }
        }

        return (active, connections, queued, rejected, proxyRefused, httpRefused, connectionDurations, requests);
    }

    private static Histogram? ReadHistogram(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != Bounds.Length + 2)
        {
            return null;
        }

        var buckets = new long[Bounds.Length + 1];
        for (var i = 0; i < buckets.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out buckets[i]))
            {
                return null;
            }
        }

        return double.TryParse(parts[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var sum) ? new Histogram(buckets, sum) : null;
    }
}
