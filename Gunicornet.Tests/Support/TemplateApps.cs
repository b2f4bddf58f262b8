using System.Collections.Concurrent;

namespace Gunicornet.Tests.Support;

/// <summary>An app made by one of the SDK's templates, unmodified: its build output and its publish output.</summary>
internal sealed record TemplateApp(string Name, string ProjectDirectory)
{
    /// <summary>The app's assembly in <c>bin/Release/net10.0</c> (what <c>dotnet build -c Release</c> made).</summary>
    public string BuildDll => Path.Combine(ProjectDirectory, "bin", "Release", "net10.0", Name + ".dll");

    /// <summary>The app's assembly in the output of <c>dotnet publish -c Release -o publish</c>.</summary>
    public string PublishDll => Path.Combine(ProjectDirectory, "publish", Name + ".dll");

    /// <summary><see cref="PublishDll"/> or <see cref="BuildDll"/>.</summary>
    public string Dll(bool published) => published ? PublishDll : BuildDll;
}

/// <summary>
/// Apps the installed SDK's templates make (<c>dotnet new</c>, packages from the NuGet registry the
/// machine is configured with), published once per SDK version into <c>$TMPDIR/gunicornet-templates</c>
/// and reused by later test runs. They live outside the repository: its Directory.Build.props (warnings
/// as errors, invariant globalization) must not change them.
/// </summary>
internal static class TemplateApps
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<TemplateApp>>> Made = new();
    private static readonly SemaphoreSlim OneBuildAtATime = new(1, 1);
    private static readonly TimeSpan MakeTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The app <c>dotnet new TEMPLATE [OPTIONS]</c> makes, named <paramref name="name"/>, built and published.</summary>
    public static Task<TemplateApp> Get(string name, string template, params string[] options) =>
        Made.GetOrAdd(name, _ => new Lazy<Task<TemplateApp>>(() => Make(name, template, options, publish: true))).Value;

    /// <summary>As <see cref="Get"/>, built only: for a template whose publish output is no assembly (native AOT).</summary>
    public static Task<TemplateApp> GetBuilt(string name, string template, params string[] options) =>
        Made.GetOrAdd(name, _ => new Lazy<Task<TemplateApp>>(() => Make(name, template, options, publish: false))).Value;

    private static async Task<TemplateApp> Make(string name, string template, string[] options, bool publish)
    {
        using var timeout = new CancellationTokenSource(MakeTimeout);
        var ct = timeout.Token;
        await OneBuildAtATime.WaitAsync(ct);
        try
        {
            var sdk = (await Run(null, ct, "--version")).Trim();
            var root = Path.Combine(Path.GetTempPath(), "gunicornet-templates", sdk, name);
            var done = Path.Combine(root, ".made");
            if (File.Exists(done))
            {
                return new TemplateApp(name, ServerProject(root, name));
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            await Run(null, ct, ["new", template, "-o", root, "-n", name, .. options]);
            var app = new TemplateApp(name, ServerProject(root, name));
            await Run(app.ProjectDirectory, ct, publish ? ["publish", "-c", "Release", "-o", "publish", "--nologo"] : ["build", "-c", "Release", "--nologo"]);
            await File.WriteAllTextAsync(done, $"dotnet new {template} {string.Join(' ', options)}\n", ct);
            return app;
        }
        finally
        {
            OneBuildAtATime.Release();
        }
    }

    /// <summary>The web project: the folder itself, or, for a template that makes a solution (Blazor with WebAssembly), its server project's.</summary>
    private static string ServerProject(string root, string name) =>
        File.Exists(Path.Combine(root, name, name + ".csproj")) ? Path.Combine(root, name) : root;

    private static async Task<string> Run(string? directory, CancellationToken ct, params string[] args)
    {
        var (code, output) = await Command.RunIn(directory, ct, "dotnet", args);
        if (code != 0)
        {
            Assert.Fail($"dotnet {string.Join(' ', args)} exited {code}:\n{output}");
        }

        return output;
    }
}
