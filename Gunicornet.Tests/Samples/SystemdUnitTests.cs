using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Samples;

/// <summary>The deployment kit's systemd units pass <c>systemd-analyze verify</c>.</summary>
[TestFixture]
[Category("Process")]
[CancelAfter(60_000)]
public sealed class SystemdUnitTests
{
    private static readonly string Kit = Path.Combine(Paths.Root, "scripts", "systemd");

    [Test]
    public async Task TheServiceSocketAndTemplateUnits_Verify(CancellationToken ct)
    {
        using var temp = new TempDirectory("gunicornet-units");

        // As installed: the executable where the install script puts it is the one built here; the
        // template as one of the instances the install script enables.
        foreach (var (unit, name) in new[] { ("gunicornet-hbnb.service", "gunicornet-hbnb.service"), ("gunicornet-hbnb.socket", "gunicornet-hbnb.socket"), ("gunicornet@.service", "gunicornet@hbnb-api.service") })
        {
            File.WriteAllText(temp.File(name), File.ReadAllText(Path.Combine(Kit, unit)).Replace("/usr/local/bin/gunicornet", Paths.Server, StringComparison.Ordinal));
        }

        var (code, output) = await Command.Run(ct, "systemd-analyze", "verify", temp.File("gunicornet-hbnb.service"), temp.File("gunicornet-hbnb.socket"), temp.File("gunicornet@hbnb-api.service"));

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Not.Contain("gunicornet"), "no warning about the units: " + output);
    }

    [Test]
    public void TheServiceIsTheOneTheDeploymentDescribes()
    {
        var service = File.ReadAllText(Path.Combine(Kit, "gunicornet-hbnb.service"));

        Assert.That(service, Does.Contain("Type=notify"));
        Assert.That(service, Does.Contain("--bind 0.0.0.0:5003 --workers 3"));
        Assert.That(service, Does.Contain("--error-logfile /tmp/airbnb-error.log").And.Contain("--access-logfile /tmp/airbnb-access.log"));
        Assert.That(service, Does.Contain("ExecReload=/bin/kill -HUP $MAINPID"));
        Assert.That(service, Does.Contain("Restart=on-failure").And.Contain("WantedBy=multi-user.target"));
    }
}
