using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Tests.Support;

/// <summary>A logger that keeps its lines, for asserting what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    /// <summary>The lines, as "LEVEL message".</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel} {formatter(state, exception)}");

    /// <summary>True when some line contains <paramref name="text"/>.</summary>
    public bool Has(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <inheritdoc />
    public override string ToString() => string.Join("\n", Lines);
}
