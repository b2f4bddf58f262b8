using System.Text.RegularExpressions;

namespace Gunicornet.Tests.Support;

/// <summary>
/// Where the files of the HBNB deployment are: this checkout's build and kit, or a tree that
/// <c>scripts/install-hbnb --destdir</c> staged. <see cref="Apps"/> holds the four apps in the order
/// of their ports (5000 ... 5003), each as gunicornet's arguments without the bind and the pidfile.
/// </summary>
internal sealed partial record HbnbLayout(string Server, IReadOnlyList<IReadOnlyList<string>> Apps, string Site, string Static, string? Database)
{
    /// <summary>This checkout: its build output and the kit in scripts/.</summary>
    public static HbnbLayout Checkout() => new(
        Paths.Server,
        [
            ["-w", "2", Paths.Sample("web_flask") + ":HelloRoute"],
            ["-w", "2", Paths.Sample("web_flask") + ":NumberOddOrEven"],
            ["-w", "2", Paths.Sample("api")],
            ["-w", "2", Paths.Sample("web_dynamic")],
        ],
        Path.Combine(Paths.Root, "scripts", "nginx", "hbnb.conf"),
        Path.Combine(Path.GetDirectoryName(Paths.Sample("web_dynamic"))!, "static"),
        Database: null);

    /// <summary>
    /// A staged installation: the apps' command lines as its systemd units run them (the service's
    /// ExecStart, the template instances' arguments), every absolute path moved under <paramref name="root"/>.
    /// </summary>
    public static HbnbLayout Staged(string root)
    {
        var service = File.ReadAllText(Path.Combine(root, "etc/systemd/system/gunicornet-hbnb.service"));
        var template = File.ReadAllText(Path.Combine(root, "etc/systemd/system/gunicornet@.service"));
        var commands = new List<string> { ExecStart().Match(service).Groups[1].Value };
        var runtimeDirectories = new List<string> { RuntimeDirectory().Match(service).Groups[1].Value };
        foreach (var env in Directory.GetFiles(Path.Combine(root, "etc/gunicornet"), "*.env"))
        {
            // The template's ExecStart for this instance: %i its name, $GUNICORNET_ARGS its arguments.
            var instance = Path.GetFileNameWithoutExtension(env);
            commands.Add(ExecStart().Match(template).Groups[1].Value
                .Replace("%i", instance, StringComparison.Ordinal)
                .Replace("$GUNICORNET_ARGS", ArgsLine().Match(File.ReadAllText(env)).Groups[1].Value, StringComparison.Ordinal));
            runtimeDirectories.Add(RuntimeDirectory().Match(template).Groups[1].Value.Replace("%i", instance, StringComparison.Ordinal));
        }

        // What systemd makes for each unit before it starts (RuntimeDirectory=).
        foreach (var directory in runtimeDirectories)
        {
            Directory.CreateDirectory(Path.Join(root, "run", directory));
        }

        var apps = new SortedDictionary<int, IReadOnlyList<string>>();
        foreach (var command in commands)
        {
            var args = new List<string>();
            int? port = null;
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < words.Length; i++)
            {
                switch (words[i])
                {
                    case "--bind":
                        port = int.Parse(words[++i].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "--pid" or "--error-logfile" or "--access-logfile":
                        i++; // the test's own files
                        break;
                    default:
                        args.Add(words[i].StartsWith('/') ? Path.Join(root, words[i]) : words[i]);
                        break;
                }
            }

            apps.Add(port ?? throw new AssertionException("no --bind in: " + command), args);
        }

        Assert.That(apps.Keys, Is.EqualTo(new[] { 5000, 5001, 5002, 5003 }), "the four apps of the deployment");
        return new HbnbLayout(
            Path.Join(root, "opt/gunicornet/gunicornet"),
            [.. apps.Values],
            Path.Join(root, "etc/nginx/sites-available/hbnb"),
            Path.Join(root, "opt/hbnb/web_dynamic/static"),
            Path.Join(root, "var/lib/hbnb/hbnb.db"));
    }

    /// <summary>The number of workers an app's arguments ask for (<c>-w N</c> or <c>--workers N</c>).</summary>
    public static int Workers(IReadOnlyList<string> args)
    {
        var i = args.ToList().FindIndex(a => a is "-w" or "--workers");
        return i < 0 ? 1 : int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^ExecStart=/usr/local/bin/gunicornet (.+)$", RegexOptions.Multiline)]
    private static partial Regex ExecStart();

    [GeneratedRegex(@"^RuntimeDirectory=(.+)$", RegexOptions.Multiline)]
    private static partial Regex RuntimeDirectory();

    [GeneratedRegex(@"^GUNICORNET_ARGS=(.+)$", RegexOptions.Multiline)]
    private static partial Regex ArgsLine();
}
