using System.Reflection;

namespace Gunicornet.Worker;

/// <summary>
/// Makes a worker look like the app's own process to the app: the process is gunicornet, but what the
/// app asks about its program is answered for the app. <c>AppContext.BaseDirectory</c> is the folder
/// the app was deployed to (its code loads from a snapshot of it), where <c>MapStaticAssets</c> finds
/// its manifest and every file the build put beside the assembly is (XML docs, data, templates);
/// <c>Assembly.GetEntryAssembly()</c> is the app's assembly, which also names the app
/// (<c>IHostEnvironment.ApplicationName</c>) when it builds its own host.
/// </summary>
internal static class AppIdentity
{
    /// <summary>The AppContext key that <see cref="AppContext.BaseDirectory"/> reads first.</summary>
    private const string BaseDirectoryKey = "APP_CONTEXT_BASE_DIRECTORY";

    /// <summary>Takes on the identity of the app in <paramref name="assembly"/>, deployed to <paramref name="folder"/>; call before any of its code runs.</summary>
    public static void Assume(Assembly assembly, string folder)
    {
        AppContext.SetData(BaseDirectoryKey, Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar);
        Assembly.SetEntryAssembly(assembly);

        // Read by the host builder before it looks at the entry assembly, and by apps that build
        // their host from a HostBuilder with the defaults.
        Environment.SetEnvironmentVariable("ASPNETCORE_APPLICATIONNAME", assembly.GetName().Name);
    }
}
