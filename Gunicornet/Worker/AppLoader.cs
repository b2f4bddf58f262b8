using System.Reflection;
using Gunicornet.Ipc;

namespace Gunicornet.Worker;

/// <summary>What the worker found in the app's assembly.</summary>
internal abstract record LoadedApp(Assembly Assembly, AppLoadContext Context);

/// <summary>An <see cref="IWebApp"/> implementation.</summary>
internal sealed record WebAppType(Assembly Assembly, AppLoadContext Context, Type Type) : LoadedApp(Assembly, Context);

/// <summary>An unmodified ASP.NET Core app: its <c>Main</c> builds and runs the host itself.</summary>
internal sealed record EntryPointApp(Assembly Assembly, AppLoadContext Context, MethodInfo EntryPoint) : LoadedApp(Assembly, Context);

/// <summary>The app cannot be loaded; the message is the one line to log.</summary>
internal sealed class AppLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Finds the app to serve in an assembly (DESIGN §3).</summary>
internal static class AppLoader
{
    /// <summary>Loads the assembly and picks the app type, or the entry point of an unmodified app.</summary>
    public static LoadedApp Load(AppSpec spec)
    {
        if (!File.Exists(spec.AssemblyPath))
        {
            throw new AppLoadException($"{spec.AssemblyPath} not found");
        }

        var context = new AppLoadContext(spec.AssemblyPath);
        Assembly assembly;
        try
        {
            assembly = context.LoadFromAssemblyPath(spec.AssemblyPath);
        }
        catch (BadImageFormatException)
        {
            throw new AppLoadException($"{spec.FileName} is not a .NET assembly");
        }

        var apps = FindWebAppTypes(assembly, spec);
        if (spec.TypeName is { } name)
        {
            // A short name picks among the apps first: a template or model may share an app's name.
            var type = assembly.GetType(name, throwOnError: false)
                ?? SingleOrDefault(apps.Where(t => t.Name == name), spec, name)
                ?? ExportedTypes(assembly, spec).FirstOrDefault(t => t.Name == name);
            if (type is null)
            {
                throw new AppLoadException($"type '{name}' not found in {spec.FileName}{Candidates(apps)}");
            }

            return new WebAppType(assembly, context, Check(type, spec));
        }

        var chosen = apps.Count switch
        {
            1 => apps[0],
            > 1 => SingleOrDefault(apps.Where(t => t.IsDefined(typeof(DefaultWebAppAttribute), inherit: false)), spec, "[DefaultWebApp]")
                ?? throw new AppLoadException(
                    $"{spec.FileName} has several apps and none is marked [DefaultWebApp]: name one as "
                    + $"{spec.FileName}:TYPE{Candidates(apps)}"),
            _ => null,
        };
        if (chosen is not null)
        {
            return new WebAppType(assembly, context, Check(chosen, spec));
        }

        return assembly.EntryPoint is { } entry
            ? new EntryPointApp(assembly, context, entry)
            : throw new AppLoadException($"{spec.FileName} has no {nameof(IWebApp)} implementation and no entry point (Main)");
    }

    private static Type Check(Type type, AppSpec spec)
    {
        if (!typeof(IWebApp).IsAssignableFrom(type))
        {
            throw new AppLoadException($"type '{type.FullName}' in {spec.FileName} does not implement {typeof(IWebApp).FullName}");
        }

        if (type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new AppLoadException($"type '{type.FullName}' in {spec.FileName} needs a public parameterless constructor");
        }

        return type;
    }

    private static List<Type> FindWebAppTypes(Assembly assembly, AppSpec spec) => ExportedTypes(assembly, spec)
        .Where(t => t.IsClass && !t.IsAbstract && typeof(IWebApp).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    private static Type[] ExportedTypes(Assembly assembly, AppSpec spec)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            var detail = e is ReflectionTypeLoadException r ? r.LoaderExceptions.FirstOrDefault()?.Message ?? e.Message : e.Message;
            throw new AppLoadException($"cannot read the types of {spec.FileName}: {detail}", e);
        }
    }

    private static Type? SingleOrDefault(IEnumerable<Type> types, AppSpec spec, string what)
    {
        var list = types.ToList();
        return list.Count <= 1
            ? list.FirstOrDefault()
            : throw new AppLoadException($"{spec.FileName} has several types matching {what}: name one in full{Candidates(list)}");
    }

    private static string Candidates(IReadOnlyCollection<Type> apps) =>
        apps.Count == 0 ? "" : $"; its apps: {string.Join(", ", apps.Select(t => t.FullName))}";
}
