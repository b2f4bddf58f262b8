using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Gunicornet.Worker;

/// <summary>
/// Loads an app and its own dependencies from the app's <c>.deps.json</c>, while Gunicornet and the
/// shared frameworks (.NET, ASP.NET Core) stay in the default context, so that <see cref="IWebApp"/>,
/// <c>WebApplication</c> and every hosting type have one identity on both sides.
/// </summary>
internal sealed class AppLoadContext : AssemblyLoadContext
{
    private static readonly string Self = typeof(IWebApp).Assembly.GetName().Name!;
    private static readonly HashSet<string> SharedFramework = FindSharedFrameworkAssemblies();
    private readonly AssemblyDependencyResolver _resolver;

    public AppLoadContext(string appPath)
        : base($"app:{Path.GetFileName(appPath)}", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(appPath);
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null || name == Self || SharedFramework.Contains(name))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    /// <summary>
    /// The simple names of the assemblies of the shared frameworks this process runs on: the default
    /// context's trusted platform assemblies that live under the runtime's <c>shared/</c> folder.
    /// </summary>
    private static HashSet<string> FindSharedFrameworkAssemblies()
    {
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var sharedRoot = Path.GetDirectoryName(Path.GetDirectoryName(runtimeDirectory)) + Path.DirectorySeparatorChar;
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        return tpa.Where(p => p.StartsWith(sharedRoot, StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
