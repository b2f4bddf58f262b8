using Microsoft.Extensions.Logging;

namespace Gunicornet.Logging;

/// <summary>
/// Counts the master's log lines at warning and above (and those with an exception), for statsd's
/// <c>gunicorn.log.*</c> as gunicorn sends them. Added to the master's logger factory beside the
/// error log; it writes nothing.
/// </summary>
internal sealed class LogCounts : ILoggerProvider, ILogger
{
    private long _warning;
    private long _error;
    private long _critical;
    private long _exception;

    /// <summary>The counts so far: warning, error, critical, exception.</summary>
    public (long Warning, long Error, long Critical, long Exception) Read() =>
        (Interlocked.Read(ref _warning), Interlocked.Read(ref _error), Interlocked.Read(ref _critical), Interlocked.Read(ref _exception));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => this;

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        switch (logLevel)
        {
            case LogLevel.Warning:
                Interlocked.Increment(ref _warning);
                break;
            case LogLevel.Error:
                Interlocked.Increment(ref _error);
                break;
            case LogLevel.Critical:
                Interlocked.Increment(ref _critical);
                break;
        }

        if (exception is not null && logLevel >= LogLevel.Error)
        {
            Interlocked.Increment(ref _exception);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
