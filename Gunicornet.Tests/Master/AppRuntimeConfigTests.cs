using Gunicornet.Master;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Master;

/// <summary>What a worker takes from the app's runtimeconfig.json, the operator's environment and Gunicornet's default.</summary>
[TestFixture]
public sealed class AppRuntimeConfigTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("gunicornet-runtimeconfig");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string App(string? configProperties)
    {
        if (configProperties is not null)
        {
            File.WriteAllText(_temp.File("app.runtimeconfig.json"), $$"""{ "runtimeOptions": { "tfm": "net10.0", "configProperties": {{{configProperties}}} } }""");
        }

        return _temp.File("app.dll");
    }

    private static string[] Variables(string app, params string[] environment) =>
        AppRuntimeConfig.Environment(app, environment.ToDictionary(v => v.Split('=')[0], v => (string?)v.Split('=')[1], StringComparer.Ordinal));

    [Test]
    public void WithoutARuntimeConfig_TheRuntimesDefaults()
    {
        Assert.That(Variables(App(null)), Is.EqualTo(new[]
        {
            "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false",
            "DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY=false",
        }));
    }

    [Test]
    public void TheAppsGcAndJitSettings_AreRelayed_AndOthersAreNot()
    {
        var app = App("""
            "System.GC.Server": true, "System.GC.Concurrent": false, "System.GC.RetainVM": true,
            "System.Runtime.TieredCompilation": true, "System.Runtime.TieredPGO": false,
            "System.Runtime.TieredCompilation.QuickJitForLoops": true, "System.GC.HeapHardLimit": 209715200
            """);

        Assert.That(Variables(app).Skip(2), Is.EqualTo(new[]
        {
            "DOTNET_gcServer=1", "DOTNET_gcConcurrent=0", "DOTNET_GCRetainVM=1", "DOTNET_TieredCompilation=1",
            "DOTNET_TC_QuickJitForLoops=1", "DOTNET_TieredPGO=0",
        }));
    }

    [Test]
    public void TheOperatorsEnvironment_WinsOverTheApp()
    {
        var app = App("""{ "System.GC.Server": true, "System.Runtime.TieredPGO": false }""".Trim('{', '}', ' '));

        var variables = Variables(app, "DOTNET_TieredCompilation=1", "COMPlus_gcServer=0", "DOTNET_TieredPGO=1");

        Assert.That(variables.Skip(2), Is.Empty, "each is the operator's, which the workers inherit");
    }
}
