using Gunicornet.Config;
using Gunicornet.Ipc;

namespace Gunicornet.Tests.Ipc;

/// <summary>The spec a master hands its worker: every property and every setting survives the trip through the environment.</summary>
[TestFixture]
public sealed class WorkerSpecTests
{
    [Test]
    public void EveryProperty_SurvivesTheRoundTrip()
    {
        // Every property set to a value unlike its default, whatever properties the spec has now.
        var spec = new WorkerSpec { Config = ServerConfig.Defaults("app.dll"), AppPath = "", ContentRoot = "", ListenFds = [], ControlWriteFd = 0, ControlReadFd = 0 };
        var seed = 100;
        foreach (var property in typeof(WorkerSpec).GetProperties().Where(p => p.CanWrite && p.Name != nameof(WorkerSpec.Config)))
        {
            property.SetValue(spec, Sample(property.PropertyType, property.Name, seed++));
        }

        var json = spec.ToJson();
        var read = WorkerSpec.FromJson(json);

        Assert.That(read.ToJson(), Is.EqualTo(json));
        Assert.That(read.ListenFds, Is.EqualTo(spec.ListenFds));
    }

    [Test]
    public void EverySetting_SurvivesTheRoundTrip()
    {
        // Every setting set to a value unlike its default, whatever settings the table has now.
        var config = ServerConfig.Defaults("/srv/app.dll:App.Type");
        var seed = 7;
        foreach (var setting in Settings.All)
        {
            config = setting switch
            {
                Setting<int> number => config.With(number, seed++),
                Setting<bool> flag => config.With(flag, true),
                Setting<string> text => config.With(text, $"{setting.Name}-{seed++}"),
                Setting<string[]> list => config.With(list, [$"{setting.Name}=a", $"{setting.Name}=b"]),
                _ => throw new AssertionException($"setting {setting.Name} has a type this test does not know: give it a sample here, and make sure ServerConfig.FromJson reads it"),
            };
        }

        var spec = new WorkerSpec { Config = config, AppPath = "/srv/app.dll", ContentRoot = "/srv", ListenFds = [3], ControlWriteFd = 4, ControlReadFd = 5 };
        var read = WorkerSpec.FromJson(spec.ToJson()).Config;

        Assert.That(read.Lines(), Is.EqualTo(config.Lines()));
        Assert.That(read.App, Is.EqualTo(config.App));
        Assert.That(read.StartDirectory, Is.EqualTo(config.StartDirectory));
    }

    [Test]
    public void Defaults_SurviveTheRoundTrip()
    {
        var spec = new WorkerSpec { Config = ServerConfig.Defaults("app.dll"), AppPath = "/srv/app.dll", ContentRoot = "/srv", ListenFds = [3], ControlWriteFd = 4, ControlReadFd = 5 };

        Assert.That(WorkerSpec.FromJson(spec.ToJson()).ToJson(), Is.EqualTo(spec.ToJson()));
    }

    [Test]
    public void TheWorkersConfig_HasAbsolutePaths_TlsFromWhereTheCommandStarted_LogsFromTheWorkingDirectory()
    {
        var config = new ServerConfig("app.dll", "/started/here", new Dictionary<string, object?>
        {
            [Settings.CertFile.Name] = "tls/cert.pem",
            [Settings.AccessLog.Name] = "logs/access.log",
            [Settings.ErrorLog.Name] = "-",
        }).WithFullPaths();

        Assert.That(config.Get(Settings.CertFile), Is.EqualTo("/started/here/tls/cert.pem"));
        Assert.That(config.Tls!.CertFile, Is.EqualTo("/started/here/tls/cert.pem"));
        Assert.That(config.Get(Settings.AccessLog), Is.EqualTo(Path.Combine(Directory.GetCurrentDirectory(), "logs/access.log")));
        Assert.That(config.Get(Settings.ErrorLog), Is.EqualTo("-"), "stderr stays stderr");
        Assert.That(config.ErrorLogFile, Is.Null);
    }

    [TestCase("[1, 2]")]
    [TestCase("\"spec\"")]
    [TestCase("{\"Config\": {\"settings\": {\"workers\": \"three\"}}}")]
    public void AnythingButASpec_IsRefused(string json) =>
        Assert.Throws<System.Text.Json.JsonException>(() => WorkerSpec.FromJson(json));

    private static object Sample(Type type, string name, int seed)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => $"{name}-{seed}",
            _ when type == typeof(int) => seed,
            _ when type == typeof(uint) => (uint)seed,
            _ when type == typeof(bool) => true,
            _ when type == typeof(int[]) => new[] { seed, seed + 1 },
            _ when type == typeof(string[]) => new[] { $"{name}=a", $"{name}=b" },
            _ => throw new AssertionException($"WorkerSpec.{name} is a {type.Name}: give it a sample here, and make sure WorkerSpec.FromJson reads it"),
        };
    }
}
