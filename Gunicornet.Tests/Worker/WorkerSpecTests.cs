using Gunicornet.Worker;

namespace Gunicornet.Tests.Worker;

/// <summary>The spec a master hands its worker: every property survives the trip through the environment.</summary>
[TestFixture]
public sealed class WorkerSpecTests
{
    [Test]
    public void EveryProperty_SurvivesTheRoundTrip()
    {
        // Every property set to a value unlike its default, whatever properties the spec has now.
        var spec = new WorkerSpec { AppPath = "", ContentRoot = "", ListenFds = [], ControlWriteFd = 0, ControlReadFd = 0 };
        var seed = 100;
        foreach (var property in typeof(WorkerSpec).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(spec, Sample(property.PropertyType, property.Name, seed++));
        }

        var json = spec.ToJson();
        var read = WorkerSpec.FromJson(json);

        Assert.That(read.ToJson(), Is.EqualTo(json));
        Assert.That(read.Tls, Is.EqualTo(spec.Tls));
        Assert.That(read.ListenFds, Is.EqualTo(spec.ListenFds));
    }

    [Test]
    public void Defaults_SurviveTheRoundTrip()
    {
        var spec = new WorkerSpec { AppPath = "/srv/app.dll", ContentRoot = "/srv", ListenFds = [3], ControlWriteFd = 4, ControlReadFd = 5 };

        Assert.That(WorkerSpec.FromJson(spec.ToJson()).ToJson(), Is.EqualTo(spec.ToJson()));
    }

    [TestCase("[1, 2]")]
    [TestCase("\"spec\"")]
    public void AnythingButAnObject_IsRefused(string json) =>
        Assert.Throws<System.Text.Json.JsonException>(() => WorkerSpec.FromJson(json));

    private static object Sample(Type type, string name, int seed)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => $"{name}-{seed}",
            _ when type == typeof(int) => seed,
            _ when type == typeof(uint) => (uint)seed,
            _ when type == typeof(double) => seed + 0.25,
            _ when type == typeof(bool) => true,
            _ when type == typeof(int[]) => new[] { seed, seed + 1 },
            _ when type == typeof(string[]) => new[] { $"{name}=a", $"{name}=b" },
            _ when type == typeof(TlsSettings) => new TlsSettings("cert.pem", "key.pem", "ca.pem", 2, "TLS_AES_128_GCM_SHA256"),
            _ => throw new AssertionException($"WorkerSpec.{name} is a {type.Name}: give it a sample here, and make sure WorkerSpec.FromJson reads it"),
        };
    }
}
