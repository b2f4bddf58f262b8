using System.Text;

namespace Gunicornet.Config;

/// <summary>Writes <c>docs/settings.md</c> from the settings table (a test fails when the file is stale).</summary>
internal static class SettingsDoc
{
    /// <summary>The whole reference, in Markdown.</summary>
    public static string Generate()
    {
        var doc = new StringBuilder();
        doc.AppendLine("# Settings");
        doc.AppendLine();
        doc.AppendLine("Generated from Gunicornet's settings table (`Gunicornet/Config/Settings.cs`); do not edit by hand.");
        doc.AppendLine("Each setting can be given on the command line, in `GUNICORNET_CMD_ARGS` (options as on the command line),");
        doc.AppendLine("or by its name in a config file (`-c`: JSON, or a gunicorn `.py` config of plain `name = value` assignments).");
        doc.AppendLine("Precedence: default < `PORT`, `WEB_CONCURRENCY` < config file < `GUNICORNET_CMD_ARGS` < command line.");
        foreach (var section in Settings.All.GroupBy(s => s.Section))
        {
            doc.AppendLine();
            doc.AppendLine($"## {section.Key}");
            foreach (var setting in section)
            {
                doc.AppendLine();
                doc.AppendLine($"### `{setting.Name}`");
                doc.AppendLine();
                doc.AppendLine($"Command line: {string.Join(", ", setting.Flags.Select(f => $"`{f}`"))}");
                doc.AppendLine();
                doc.AppendLine(setting.Help);
            }
        }

        doc.AppendLine();
        doc.AppendLine("## gunicorn settings with no equivalent");
        doc.AppendLine();
        doc.AppendLine("Accepted on the command line and in config files as gunicorn takes them, with one warning line each at start");
        doc.AppendLine("saying why it has no effect (a misspelt setting is an error, naming the closest one):");
        doc.AppendLine();
        foreach (var group in GunicornOnly.All.GroupBy(s => s.Reason))
        {
            var names = group.Select(s => s.Flags.Length == 0 ? $"`{s.Name}`" : $"`{s.Name}` ({string.Join(", ", s.Flags.Select(f => $"`{f}`"))})");
            doc.AppendLine($"- {string.Join(", ", names)}: {group.Key}.");
        }

        return doc.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
