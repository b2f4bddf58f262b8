using System.Reflection;

namespace Gunicornet.Tests.Support;

/// <summary>Where the built server, samples and test apps are.</summary>
internal static class Paths
{
    /// <summary>The repository root (the folder holding Gunicornet.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built in; the apps were built in the same.</summary>
    public static string Configuration { get; } =
        typeof(Paths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The server's build output folder.</summary>
    public static string ServerDir => Path.Combine(Root, "Gunicornet", "bin", Configuration, "net10.0");

    /// <summary>The apphost executable.</summary>
    public static string Server => Path.Combine(ServerDir, "gunicornet");

    /// <summary>gunicornet.dll, for <c>dotnet gunicornet.dll</c>.</summary>
    public static string ServerDll => Path.Combine(ServerDir, "gunicornet.dll");

    /// <summary>A sample's assembly, e.g. <c>Sample("hello")</c>.</summary>
    public static string Sample(string name) => Path.Combine(Root, "samples", name, "bin", Configuration, "net10.0", name + ".dll");

    /// <summary>The backends the HBNB samples are tested on: SQLite always, PostgreSQL when <c>HBNB_TEST_POSTGRES</c> names one.</summary>
    public static IEnumerable<string> HbnbBackends()
    {
        yield return "sqlite";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HBNB_TEST_POSTGRES")))
        {
            yield return "postgres";
        }
    }

    /// <summary>A test app's assembly, e.g. <c>TestApp("testapp")</c>.</summary>
    public static string TestApp(string name) =>
        Path.Combine(Root, "Gunicornet.Tests", "TestApps", name, "bin", Configuration, "net10.0", name + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gunicornet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Gunicornet.sln not found above " + AppContext.BaseDirectory);
    }
}
