using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gunicornet.Logging;

/// <summary>Sets up the error log (gunicorn's name for the server's own log): stderr, gunicorn's format.</summary>
internal static class ErrorLog
{
    /// <summary>The category prefix of Gunicornet's own loggers, to which <c>--log-level</c> applies.</summary>
    public const string Category = "Gunicornet";

    /// <summary>
    /// Adds the gunicorn-format console logger to <paramref name="builder"/>. <paramref name="level"/>
    /// applies to Gunicornet's own categories; an app's categories keep the levels the app configures.
    /// </summary>
    public static ILoggingBuilder AddErrorLog(this ILoggingBuilder builder, LogLevel level)
    {
        builder.AddConsole(options =>
        {
            options.FormatterName = GunicornFormatter.FormatterName;
            options.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        builder.AddConsoleFormatter<GunicornFormatter, ConsoleFormatterOptions>();
        builder.AddFilter(Category, level);
        return builder;
    }

    /// <summary>A logger factory for the master, where no host exists.</summary>
    public static ILoggerFactory CreateFactory(LogLevel level) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddErrorLog(level));
}
