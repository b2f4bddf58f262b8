using System.Reflection;
using System.Text.RegularExpressions;
using Gunicornet.Config;
using Gunicornet.Ipc;
using Gunicornet.Logging;
using Gunicornet.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Gunicornet.Tests.Codebase;

/// <summary>
/// The rules the codebase keeps (docs in the README's repository section): folders import downwards
/// only, a setting is declared once, event ids are unique, libc is called from Posix/ alone, the clock
/// is read through TimeProvider. Read from the sources and the assembly, so a change that breaks one
/// fails here, with the file that broke it.
/// </summary>
[TestFixture]
public sealed partial class StructureTests
{
    /// <summary>The folders of Gunicornet/, lowest first: each may use those before it only.</summary>
    private static readonly string[] Layers = ["Posix", "Logging", "Config", "Ipc", "Balance", "Worker", "Master"];

    /// <summary>What of Config/ only the command itself uses: the readers of the command line and config files.</summary>
    private static readonly string[] ConfigReaders = ["CommandLine", "ConfigFile", "PythonConfig", "ShellWords", "GunicornOnly", "UsageErrors", "SettingsDoc", "Suggestions"];

    private static IEnumerable<(string Folder, string File, string Code)> Sources() =>
        Layers.SelectMany(folder => Directory.GetFiles(Path.Combine(Paths.Root, "Gunicornet", folder), "*.cs")
            .Select(file => (folder, Path.GetRelativePath(Paths.Root, file), Code(File.ReadAllText(file)))));

    /// <summary>The code without its comments and string literals, which may name anything.</summary>
    private static string Code(string source) => StringLiteral().Replace(Comment().Replace(source, ""), "\"\"");

    [Test]
    public void Folders_ImportDownwardsOnly()
    {
        var upwards = new List<string>();
        foreach (var (folder, file, code) in Sources())
        {
            var used = UsingDirective().Matches(code).Select(m => m.Groups[1].Value)
                .Concat(QualifiedName().Matches(code).Select(m => m.Groups[1].Value))
                .Where(Layers.Contains)
                .Distinct();
            upwards.AddRange(used.Where(u => Array.IndexOf(Layers, u) > Array.IndexOf(Layers, folder)).Select(u => $"{file} uses {u}/"));
        }

        Assert.That(upwards, Is.Empty, $"the layers, lowest first: {string.Join(" < ", Layers)}");
    }

    [Test]
    public void TheWorkerAndTheContract_UseNoConfigReader()
    {
        var readers = Sources()
            .Where(s => s.Folder is "Worker" or "Ipc")
            .SelectMany(s => ConfigReaders.Where(r => Regex.IsMatch(s.Code, $@"\b{r}\b")).Select(r => $"{s.File} uses {r}"));

        Assert.That(readers, Is.Empty, "a worker gets the resolved configuration; it reads no command line or config file");
    }

    [Test]
    public void Libc_IsCalledFromPosixOnly()
    {
        var outside = Sources()
            .Where(s => s.Folder != "Posix" && LibcCall().IsMatch(s.Code))
            .Select(s => $"{s.File}: {LibcCall().Match(s.Code).Value}");

        Assert.That(outside, Is.Empty);
    }

    [Test]
    public void TheClock_IsReadThroughTimeProvider()
    {
        var direct = Sources()
            .Where(s => WallClock().IsMatch(s.Code))
            .Select(s => $"{s.File}: {WallClock().Match(s.Code).Value}");

        Assert.That(direct, Is.Empty);
    }

    [Test]
    public void LogCalls_GoThroughLoggerMessage()
    {
        var direct = Sources()
            .Where(s => DirectLogCall().IsMatch(s.Code))
            .Select(s => $"{s.File}: {DirectLogCall().Match(s.Code).Value}");

        Assert.That(direct, Is.Empty);
    }

    [Test]
    public void EventIds_AreUnique_AndAllFromTheTable()
    {
        var used = typeof(ServerConfig).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();
        var table = typeof(EventIds).GetFields().Select(f => (int)f.GetRawConstantValue()!).ToList();

        Assert.That(used, Has.Count.GreaterThan(50), "the server's [LoggerMessage] methods");
        Assert.That(table, Is.Unique);
        Assert.That(used.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => string.Join(", ", g.Select(m => m.Method))), Is.Empty);
        Assert.That(used.Where(m => !table.Contains(m.Attribute!.EventId)).Select(m => m.Method), Is.Empty, "an id not in EventIds");
    }

    [Test]
    public void NoTypeRestatesTheSettings()
    {
        var names = Settings.All.Select(s => Squash(s.Name)).ToHashSet();
        var mirrored = new[] { typeof(ServerConfig), typeof(WorkerSpec) }
            .SelectMany(t => t.GetProperties().Where(p => p.PropertyType != typeof(ServerConfig)).Select(p => (t, p.Name)))
            .Where(p => names.Contains(Squash(p.Name)))
            .Select(p => $"{p.t.Name}.{p.Name}");

        Assert.That(mirrored, Is.Empty, "a setting's value is read from the configuration by its setting, not copied into a property");
    }

    private static string Squash(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"using Gunicornet\.(\w+);")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(\w+)\.[A-Z]\w*")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"Mono\.Unix|\bSyscall\.|\bStdlib\.|DllImport|LibraryImport")]
    private static partial Regex LibcCall();

    [GeneratedRegex(@"\bDateTime(Offset)?\.(Utc)?Now\b")]
    private static partial Regex WallClock();

    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\(|\.Log\(LogLevel")]
    private static partial Regex DirectLogCall();
}
