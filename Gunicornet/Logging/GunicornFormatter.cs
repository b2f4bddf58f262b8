using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Gunicornet.Logging;

/// <summary>
/// Formats the error log as gunicorn does: <c>[2026-11-21 10:00:00 +0000] [1234] [INFO] message</c>,
/// one line per entry, with an exception's text on the lines after it.
/// </summary>
internal sealed class GunicornFormatter : ConsoleFormatter
{
    /// <summary>The formatter's registered name.</summary>
    public const string FormatterName = "gunicorn";

    private readonly string _pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly TimeProvider _time;

    public GunicornFormatter()
        : this(TimeProvider.System)
    {
    }

    internal GunicornFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        // One Write call per entry, so that lines of several processes sharing stderr do not interleave.
        textWriter.Write(Format(_time.GetLocalNow(), _pid, logEntry.LogLevel, message, logEntry.Exception));
    }

    /// <summary>Formats one entry, ending with a newline.</summary>
    internal static string Format(DateTimeOffset now, string pid, LogLevel level, string message, Exception? exception)
    {
        var stamp = now.ToString("yyyy-MM-dd HH:mm:ss ", CultureInfo.InvariantCulture) + UtcOffset(now.Offset);
        var line = $"[{stamp}] [{pid}] [{LevelName(level)}] {message}{Environment.NewLine}";
        return exception is null ? line : line + exception + Environment.NewLine;
    }

    /// <summary>An offset as strftime's <c>%z</c> writes it (<c>+0200</c>), for the error and access logs.</summary>
    internal static string UtcOffset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+")
        + Math.Abs(offset.Hours).ToString("00", CultureInfo.InvariantCulture)
        + Math.Abs(offset.Minutes).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>gunicorn's level names.</summary>
    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };
}
