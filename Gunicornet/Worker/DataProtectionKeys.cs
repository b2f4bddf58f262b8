using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Gunicornet.Logging;

namespace Gunicornet.Worker;

/// <summary>
/// Data Protection keys (antiforgery tokens, authentication cookies, Blazor's component state) shared
/// by the workers. An app that configures no key store gets ASP.NET Core's default: the user's
/// <c>~/.aspnet/DataProtection-Keys</c>, which every worker shares already, or, where that cannot be
/// written (a service user whose home is not its own, <c>--user</c> with the master's HOME), keys kept
/// in memory: a key ring per process, so a token one worker issued is refused by another (measured
/// with the razor template with Identity: 5 of 20 login forms answered 400 with 2 workers). In that
/// case, and only then, the workers keep the keys in one folder of the master's, for as long as the
/// master runs: what a single process with keys in memory would give, across workers and reloads.
/// </summary>
internal static partial class DataProtectionKeys
{
    /// <summary>Points the app's key store at <paramref name="directory"/> when it would otherwise be in memory.</summary>
    public static void ShareWhenEphemeral(IServiceCollection services, string? directory, ILogger log)
    {
        if (directory is null)
        {
            return;
        }

        services.AddOptions<KeyManagementOptions>().PostConfigure<ILoggerFactory>((options, loggers) =>
        {
            if (options.XmlRepository is not null || FileSystemXmlRepository.DefaultKeyStorageDirectory is not null)
            {
                return;
            }

            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(directory), loggers);
            LogSharedKeys(log, Environment.GetEnvironmentVariable("HOME") ?? "unset", directory);
        });
    }

    [LoggerMessage(EventId = EventIds.SharedKeys, Level = LogLevel.Information, Message = "Data Protection keys: the app keeps them nowhere and HOME ({Home}) cannot; the workers share {Directory} while the master runs")]
    private static partial void LogSharedKeys(ILogger logger, string home, string directory);
}
