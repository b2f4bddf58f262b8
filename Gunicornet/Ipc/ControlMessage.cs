using System.Globalization;

namespace Gunicornet.Ipc;

/// <summary>
/// A message from a worker to its master, one text line on the worker's control pipe:
/// <c>booted</c>, <c>ready</c>, <c>heartbeat served=N inflight=N oldest_ms=N rss_kb=N</c>, <c>exiting REASON</c>,
/// <c>failed MESSAGE</c>.
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
            "ready" => new Ready(),
            "heartbeat" => Heartbeat.ParseFields(rest),
            "exiting" => new Exiting(rest),
            "failed" => new Failed(rest),
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

/// <summary>Kestrel is listening on the inherited sockets and the app is initialised.</summary>
internal sealed record Ready : ControlMessage
{
    /// <inheritdoc />
    public override string Format() => "ready";
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
