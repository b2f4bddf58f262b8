using Gunicornet.Config;
using Gunicornet.Tests.Support;

namespace Gunicornet.Tests.Config;

/// <summary>docs/settings.md is generated from the settings table and must not be stale.</summary>
[TestFixture]
public sealed class SettingsDocTests
{
    private static readonly string File = Path.Combine(Paths.Root, "docs", "settings.md");

    [Test]
    public void TheCommittedReference_IsTheGeneratedOne()
    {
        var generated = SettingsDoc.Generate();
        if (Environment.GetEnvironmentVariable("UPDATE_SETTINGS_DOC") == "1")
        {
            System.IO.File.WriteAllText(File, generated);
        }

        Assert.That(System.IO.File.Exists(File) ? System.IO.File.ReadAllText(File) : "", Is.EqualTo(generated),
            "docs/settings.md is stale: regenerate it with UPDATE_SETTINGS_DOC=1 scripts/test --filter SettingsDocTests");
    }

    [Test]
    public void EverySetting_HasItsSectionNameFlagsAndDefault()
    {
        var doc = SettingsDoc.Generate();

        foreach (var setting in Settings.All)
        {
            Assert.That(doc, Does.Contain($"### `{setting.Name}`"));
            Assert.That(doc, Does.Contain($"`{setting.Flags[0]}`"));
            Assert.That(setting.Help, Does.Contain("Defaults to"), $"{setting.Name} says its default");
        }
    }
}
