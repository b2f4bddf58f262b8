using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gunicornet.Logging;

/// <summary>What one access log line is made of: the request, the response and the timing.</summary>
internal sealed record AccessEntry(
    string RemoteAddress,
    string Method,
    string Path,
    string Query,
    string Protocol,
    int Status,
    long? ResponseLength,
    DateTimeOffset Start,
    TimeSpan Duration,
    Func<string, string?> RequestHeader,
    Func<string, string?> ResponseHeader,
    Func<string, string?>? Environ = null,
    string? RawTarget = null);

/// <summary>
/// gunicorn's <c>access_log_format</c>, compiled once: <c>%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s
/// "%(f)s" "%(a)s"</c> by default, with every atom gunicorn knows (h l u t r m U q H s B b f a T M D L
/// p, {header}i, {header}o, {variable}e).
/// </summary>
internal sealed partial class AccessLogFormat
{
    /// <summary>gunicorn's default format.</summary>
    public const string Default = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    private static readonly string Pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly List<Func<AccessEntry, string>> _parts = [];

    private AccessLogFormat(string format)
    {
        NeedsLength = AtomRegex().Matches(format).Any(m => m.Groups[1].Value is "b" or "B");
        var at = 0;
        foreach (Match atom in AtomRegex().Matches(format))
        {
            var literal = format[at..atom.Index];
            if (literal.Length > 0)
            {
                _parts.Add(_ => literal);
            }

            _parts.Add(Compile(atom.Groups[1].Value));
            at = atom.Index + atom.Length;
        }

        var tail = format[at..];
        if (tail.Length > 0)
        {
            _parts.Add(_ => tail);
        }
    }

    /// <summary>True when the format shows the response length, which then has to be counted.</summary>
    public bool NeedsLength { get; }

    /// <summary>Compiles <paramref name="format"/>; throws <see cref="FormatException"/> naming an unknown atom.</summary>
    public static AccessLogFormat Parse(string format) => new(format);

    /// <summary>The line for one request, without its newline.</summary>
    public string Format(AccessEntry entry)
    {
        var line = new StringBuilder(256);
        foreach (var part in _parts)
        {
            line.Append(part(entry));
        }

        return line.ToString();
    }

    private static Func<AccessEntry, string> Compile(string atom)
    {
        if (atom.Length > 3 && atom[0] == '{' && atom[^2] == '}')
        {
            var name = atom[1..^2];
            return atom[^1] switch
            {
                'i' => e => e.RequestHeader(name) ?? "-",
                'o' => e => e.ResponseHeader(name) ?? "-",
                // gunicorn's environ is the request's (WSGI), not the process's: REMOTE_ADDR, PATH_INFO ...
                'e' => e => e.Environ?.Invoke(name) ?? "-",
                _ => throw new FormatException($"unknown access log atom '%({atom})s'"),
            };
        }

        return atom switch
        {
            "h" => e => e.RemoteAddress,
            "l" => _ => "-",
            "u" => e => User(e.RequestHeader("Authorization")),
            "t" => e => Timestamp(e.Start),
            "r" => e => $"{e.Method} {e.RawTarget ?? e.Path + (e.Query.Length > 0 ? "?" + e.Query : "")} {e.Protocol}",
            "m" => e => e.Method,
            "U" => e => e.Path,
            "q" => e => e.Query,
            "H" => e => e.Protocol,
            "s" => e => e.Status.ToString(CultureInfo.InvariantCulture),
            "B" => e => (e.ResponseLength ?? 0).ToString(CultureInfo.InvariantCulture),
            "b" => e => e.ResponseLength is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-",
            "f" => e => e.RequestHeader("Referer") ?? "-",
            "a" => e => e.RequestHeader("User-Agent") ?? "-",
            // As gunicorn's, from one count of whole microseconds: T, M and L truncate it, so they agree with D.
            "T" => e => (Microseconds(e) / 1_000_000).ToString(CultureInfo.InvariantCulture),
            "M" => e => (Microseconds(e) / 1_000).ToString(CultureInfo.InvariantCulture),
            "D" => e => Microseconds(e).ToString(CultureInfo.InvariantCulture),
            "L" => e => string.Create(CultureInfo.InvariantCulture, $"{Microseconds(e) / 1_000_000}.{Microseconds(e) % 1_000_000:D6}"),
            "p" => _ => "<" + Pid + ">",
            _ => throw new FormatException($"unknown access log atom '%({atom})s'"),
        };
    }

    private static long Microseconds(AccessEntry e) => e.Duration.Ticks / 10;

    private static Stamp? _lastTimestamp;

    /// <summary>
    /// <c>[21/Nov/2026:10:00:05 +0200]</c> in local time (an entry's own offset when it has one), made once
    /// per second: converting to local time for every request was a measurable share of the log's cost.
    /// </summary>
    private static string Timestamp(DateTimeOffset start)
    {
        var local = start.Offset == TimeSpan.Zero ? start.ToLocalTime() : start;
        var second = local.UtcTicks / TimeSpan.TicksPerSecond;
        // One reference, read and replaced whole: threads never see half of another's stamp.
        var last = Volatile.Read(ref _lastTimestamp);
        if (last is not null && last.Second == second && last.Offset == local.Offset)
        {
            return last.Text;
        }

        var text = "[" + local.ToString("dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture) + GunicornFormatter.UtcOffset(local.Offset) + "]";
        Volatile.Write(ref _lastTimestamp, new Stamp(second, local.Offset, text));
        return text;
    }

    private sealed record Stamp(long Second, TimeSpan Offset, string Text);

    /// <summary>The user of HTTP Basic authentication, as gunicorn shows it; '-' without one.</summary>
    private static string User(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "-";
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = decoded.IndexOf(':');
            return colon > 0 ? decoded[..colon] : "-";
        }
        catch (FormatException)
        {
            return "-";
        }
    }

    [GeneratedRegex(@"%\(([^)]+)\)s")]
    private static partial Regex AtomRegex();
}
