using Gunicornet.Ipc;
using Gunicornet.Tests.Support;
using Gunicornet.Worker;

namespace Gunicornet.Tests.Worker;

/// <summary>Which app an APP argument names (DESIGN §3), checked on the built test apps.</summary>
[TestFixture]
public sealed class AppLoaderTests
{
    private static readonly string TestApp = Paths.TestApp("testapp");

    [TestCase("hello.dll", "hello.dll", null)]
    [TestCase("bin/hello.dll:Hello.HelloApp", "bin/hello.dll", "Hello.HelloApp")]
    [TestCase("/srv/app.dll:App", "/srv/app.dll", "App")]
    [TestCase("./a:b/app.dll", "./a:b/app.dll", null)]
    [TestCase("app.dll:", "app.dll", null)]
    public void AppSpec_SplitsAtTheLastColonAfterTheLastSlash(string text, string path, string? type) =>
        Assert.That(AppSpec.Parse(text), Is.EqualTo(new AppSpec(path, type)));

    [Test]
    public void WithoutAType_TheAppMarkedDefaultIsUsed()
    {
        var app = AppLoader.Load(new AppSpec(TestApp, null));

        Assert.That(app, Is.TypeOf<WebAppType>());
        Assert.That(((WebAppType)app).Type.FullName, Is.EqualTo("TestApp.MainApp"));
    }

    [Test]
    public void WithoutAType_TheSingleImplementationIsUsed()
    {
        var app = AppLoader.Load(new AppSpec(Paths.Sample("hello"), null));

        Assert.That(((WebAppType)app).Type.FullName, Is.EqualTo("Hello.HelloApp"));
    }

    [TestCase("TestApp.OtherApp")]
    [TestCase("OtherApp")]
    public void ANamedType_IsUsed_ByFullOrSimpleName(string name)
    {
        var app = AppLoader.Load(new AppSpec(TestApp, name));

        Assert.That(((WebAppType)app).Type.FullName, Is.EqualTo("TestApp.OtherApp"));
    }

    [Test]
    public void AShortName_PicksTheApp_WhenAnotherTypeSharesIt()
    {
        // web_flask has both the app Hbnb.WebFlask.StatesList and the template Templates.StatesList.
        var app = AppLoader.Load(new AppSpec(Paths.Sample("web_flask"), "StatesList"));

        Assert.That(((WebAppType)app).Type.FullName, Is.EqualTo("Hbnb.WebFlask.StatesList"));
    }

    [Test]
    public void TheAppAndItsNuGetDependencies_LoadInTheirOwnContext_WhileIWebAppIsShared()
    {
        var app = (WebAppType)AppLoader.Load(new AppSpec(TestApp, null));

        Assert.That(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(app.Assembly), Is.SameAs(app.Context));
        Assert.That(typeof(IWebApp).IsAssignableFrom(app.Type), Is.True, "one IWebApp identity on both sides");
        var json = app.Context.LoadFromAssemblyName(new System.Reflection.AssemblyName("Newtonsoft.Json"));
        Assert.That(json.Location, Does.StartWith(Path.GetDirectoryName(TestApp)!));
        var aspnet = app.Context.LoadFromAssemblyName(typeof(Microsoft.AspNetCore.Builder.WebApplication).Assembly.GetName());
        Assert.That(aspnet, Is.SameAs(typeof(Microsoft.AspNetCore.Builder.WebApplication).Assembly), "the shared framework is shared");
    }

    [Test]
    public void AnAppWithoutIWebApp_IsRunThroughItsEntryPoint()
    {
        var app = AppLoader.Load(new AppSpec(Paths.TestApp("plainapp"), null));

        Assert.That(app, Is.TypeOf<EntryPointApp>());
    }

    [Test]
    public void AMissingType_IsAnErrorListingTheApps()
    {
        var error = Assert.Throws<AppLoadException>(() => AppLoader.Load(new AppSpec(TestApp, "Nope")));

        Assert.That(error!.Message, Is.EqualTo(
            "type 'Nope' not found in testapp.dll; its apps: TestApp.BrokenApp, TestApp.CrashingApp, TestApp.EchoApp, TestApp.MainApp, TestApp.OtherApp, TestApp.ResponsePathsApp, TestApp.SignalRApp, TestApp.SlowBootApp"));
    }

    [Test]
    public void ATypeThatIsNoApp_IsAnError()
    {
        var error = Assert.Throws<AppLoadException>(() => AppLoader.Load(new AppSpec(TestApp, "TestApp.NotAnApp")));

        Assert.That(error!.Message, Is.EqualTo("type 'TestApp.NotAnApp' in testapp.dll does not implement Gunicornet.IWebApp"));
    }

    [Test]
    public void SeveralAppsAndNoDefault_IsAnErrorListingThem()
    {
        var error = Assert.Throws<AppLoadException>(() => AppLoader.Load(new AppSpec(Paths.TestApp("ambiguousapp"), null)));

        Assert.That(error!.Message, Does.Contain("several apps and none is marked [DefaultWebApp]"));
        Assert.That(error.Message, Does.EndWith("its apps: Ambiguous.First, Ambiguous.Second"));
    }

    [Test]
    public void AFileThatIsNoAssembly_IsAnError()
    {
        var notAssembly = Path.Combine(Path.GetDirectoryName(TestApp)!, "greeting.txt");

        var error = Assert.Throws<AppLoadException>(() => AppLoader.Load(new AppSpec(notAssembly, null)));

        Assert.That(error!.Message, Is.EqualTo("greeting.txt is not a .NET assembly"));
    }

    [Test]
    public void AMissingFile_IsAnError() =>
        Assert.That(() => AppLoader.Load(new AppSpec("/no/such/app.dll", null)), Throws.TypeOf<AppLoadException>().With.Message.Contains("/no/such/app.dll not found"));
}
