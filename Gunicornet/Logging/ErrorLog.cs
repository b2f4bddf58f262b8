using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gunicornet.Logging;

/// <summary>Sets up the error log (gunicorn's name for the server's own log): stderr, gunicorn's format.</summary>
internal static class ErrorLog
{
    /// <summary>The category prefix of Gunicornet's own loggers, to which <c>--log-level</c> applies.</summary>
    public const string Category = "Gunicornet";

    /// <summary>The level names <c>--log-level</c> takes, as gunicorn spells them, and what each means here.</summary>
    public static readonly IReadOnlyDictionary<string, LogLevel> Levels = new Dictionary<string, LogLevel>(StringComparer.Ordinal)
    {
        ["debug"] = LogLevel.Debug,
        ["info"] = LogLevel.Information,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["critical"] = LogLevel.Critical,
    };

    /// <summary>The level a <c>--log-level</c> name stands for (info for a name it does not know).</summary>
    public static LogLevel Level(string name) => Levels.GetValueOrDefault(name.ToLowerInvariant(), LogLevel.Information);

    /// <summary>
    /// Adds the gunicorn-format console logger to <paramref name="builder"/>. <paramref name="level"/>
    /// (a <c>--log-level</c> name) applies to Gunicornet's own categories; an app's categories keep the levels the app configures.
    /// </summary>
    public static ILoggingBuilder AddErrorLog(this ILoggingBuilder builder, string level)
    {
        builder.AddConsole(options =>
        {
            options.FormatterName = GunicornFormatter.FormatterName;
            options.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        builder.AddConsoleFormatter<GunicornFormatter, ConsoleFormatterOptions>();
        builder.AddFilter(Category, Level(level));
        return builder;
    }

    /// <summary>A logger factory for the master, where no host exists; <paramref name="also"/> gets every line too.</summary>
    public static ILoggerFactory CreateFactory(string level, ILoggerProvider? also = null) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Trace).AddErrorLog(level);
            if (also is not null)
            {
                builder.AddProvider(also);
            }
        });
}
