using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gunicornet;

/// <summary>
/// <c>gunicornet ctl [-s SOCKET] [--json] COMMAND</c>: sends one command to a running master's
/// control socket and prints the answer, as a table or as the JSON the master sent.
/// </summary>
internal static class ControlClient
{
    /// <summary>The verb that selects it: <c>gunicornet ctl ...</c>.</summary>
    public const string Verb = "ctl";

    /// <summary>Runs the client; <paramref name="args"/> come after the verb.</summary>
    public static int Run(string[] args)
    {
        var socket = new Option<string>("--socket", "-s")
        {
            Description = "The master's control socket (its --control-socket).",
            DefaultValueFactory = _ => Config.ServerConfig.Defaults("").Get(Config.Settings.ControlSocket),
            HelpName = "PATH",
        };
        var json = new Option<bool>("--json", "-j") { Description = "Print the master's answer as JSON." };
        var words = new Argument<string[]>("COMMAND")
        {
            Description = "show workers (the default), show stats, show listeners, show metrics, show config, worker add [N], worker remove [N], worker kill PID, reload, reopen, shutdown [graceful|quick], help.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        // A subcommand of the root, so that its help's usage line reads "gunicornet ctl ...".
        var command = new Command(Verb, "Talks to a running gunicornet master over its control socket.") { socket, json, words };
        command.SetAction(result =>
        {
            var text = string.Join(' ', result.GetValue(words) ?? []);
            return Send(result.GetValue(socket)!, text.Length == 0 ? "show workers" : text, result.GetValue(json));
        });
        var root = new RootCommand { command };
        var parsed = root.Parse([Verb, .. args]);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"gunicornet ctl: error: {error.Message} (see gunicornet ctl --help)");
            }

            return ExitCodes.Usage;
        }

        return parsed.Invoke();
    }

    private static int Send(string path, string command, bool asJson)
    {
        string reply;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            using var stream = new NetworkStream(socket, ownsSocket: false);
            stream.Write(Encoding.UTF8.GetBytes(command + "\n"));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            reply = reader.ReadLine() ?? throw new IOException("the master closed the connection without an answer");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            var reason = e is SocketException s ? Describe(s) : e.Message;
            Console.Error.WriteLine($"gunicornet ctl: error: can't talk to {Path.GetFullPath(path)}: {reason}");
            return ExitCodes.Error;
        }

        var answer = JsonNode.Parse(reply)!.AsObject();
        if (answer["error"] is { } error)
        {
            Console.Error.WriteLine($"gunicornet ctl: error: {error.GetValue<string>()}");
            return error.GetValue<string>().StartsWith("unknown command", StringComparison.Ordinal) ? ExitCodes.Usage : ExitCodes.Error;
        }

        Console.Out.WriteLine(asJson ? answer.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : Format(answer));
        return ExitCodes.Ok;
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        // ENOENT, as .NET reports it for a unix socket.
        SocketError.AddressNotAvailable => "no such socket (is the server running there? see its --control-socket)",
        SocketError.ConnectionRefused => "nobody listens there (is the server running?)",
        SocketError.AccessDenied => "permission denied (the socket is its master's user's; see --control-socket-mode)",
        _ => e.Message,
    };

    /// <summary>The answer for people: a table of workers, or one line per value.</summary>
    internal static string Format(JsonObject answer)
    {
        if (answer["workers"] is JsonArray workers)
        {
            var lines = new List<string[]> { new[] { "PID", "SLOT", "GEN", "AGE", "UPTIME", "STATE", "REQUESTS", "IN_FLIGHT", "RSS_MB", "LAST_BEAT", "REPLACING" } };
            foreach (var w in workers.OfType<JsonObject>())
            {
                lines.Add(
                [
                    Text(w["pid"]), Text(w["slot"]), Text(w["generation"]), Text(w["age"]), Seconds(w["uptime_s"]), Text(w["state"]),
                    Text(w["requests"]), Text(w["in_flight"]),
                    w["rss_kb"] is { } rss ? (rss.GetValue<long>() / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) : "-",
                    w["last_beat_s"] is { } beat ? Seconds(beat) + " ago" : "-",
                    w["replacing"] is { } reason ? Text(reason) : "-",
                ]);
            }

            var widths = Enumerable.Range(0, lines[0].Length).Select(i => lines.Max(l => l[i].Length)).ToArray();
            var table = lines.Select(l => string.Join("  ", l.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            return string.Join('\n', table.Append($"Total: {workers.Count} worker{(workers.Count == 1 ? "" : "s")}"));
        }

        if (answer.Count == 1 && answer["metrics"] is JsonArray samples && samples.All(m => m is JsonObject))
        {
            // One line per sample, as /metrics has them, the values aligned.
            var names = samples.OfType<JsonObject>().Select(m => Text(m["name"]) + (Text(m["labels"]) is { Length: > 0 } and not "-" and var labels ? "{" + labels + "}" : "")).ToList();
            var width = names.Count == 0 ? 0 : names.Max(n => n.Length);
            return string.Join('\n', samples.OfType<JsonObject>().Select((m, i) => names[i].PadRight(width) + "  " + Text(m["value"])));
        }

        return string.Join('\n', Lines(answer, ""));
    }

    /// <summary>One line per value; a nested object's values under dotted names (<c>last_reload.state: complete</c>).</summary>
    private static IEnumerable<string> Lines(JsonObject answer, string prefix) => answer.SelectMany(p => p.Value switch
    {
        JsonArray list => list.Select(Text),
        JsonObject inner => Lines(inner, prefix + p.Key + "."),
        _ => [$"{prefix}{p.Key}: {Text(p.Value)}"],
    });

    private static string Text(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static string Seconds(JsonNode? node) => node is null ? "-" : node.GetValue<double>().ToString("0.0", CultureInfo.InvariantCulture) + "s";
}
