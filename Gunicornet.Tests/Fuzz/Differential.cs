using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gunicornet.Tests.Support;

namespace Gunicornet.Fuzz;

/// <summary>
/// The differential check: every input is judged by the grammar and by h11 (a second, independent
/// parser), first request only. Where they disagree, the disagreement must be one of the known,
/// documented differences (<see cref="Known"/>, docs/http-conformance.md); where the grammar lets
/// through what h11 refuses, the running server is asked too, since Kestrel's parser and the worker's
/// checks come after the grammar. Anything else is a finding. Writes a JSON summary to OUT.
/// </summary>
internal static class Differential
{
    /// <summary>
    /// The differences we know and have argued (docs/http-conformance.md, "Against a second parser"):
    /// our verdicts and rules, h11's verdicts and a pattern of its reason, and whether the running
    /// server must then refuse the input (where the grammar leaves a check to Kestrel or the worker).
    /// </summary>
    private static readonly (string Name, string Ours, string? Rule, string H11, string? Reason, bool ServerRefuses)[] Known =
    [
        ("h11 reads a bare LF as a line end", "refuse", "line-ending|method", "accept|incomplete", null, false),
        ("h11 unfolds obsolete line folding", "refuse", "obs-fold", "accept|incomplete", null, false),
        ("h11 judges the request line only once it has ended, and its target only for visible ASCII", "refuse", "request-target|request-line", "accept|incomplete", null, false),
        ("h11 lets control characters but NUL through in field values", "refuse", "field-value|field-name", "accept|incomplete", null, false),
        ("h11 skips chunk extensions unread, and allows whitespace before a chunk line's end", "refuse", "chunk-ext|chunk-size", "accept|incomplete", null, false),
        ("h11 lets chunked win over Content-Length, and takes chunked in HTTP/1.0", "refuse", "framing", "accept|incomplete", null, false),
        ("h11 reads equal Content-Length values as one", "refuse", "content-length", "accept|incomplete", null, false),
        ("h11 checks the version's form only once the line has ended", "refuse", "http-version", "accept|incomplete", null, false),
        ("the grammar refuses a Transfer-Encoding of more than 256 bytes; h11 reads on", "refuse", "transfer-encoding", "accept|incomplete", null, false),
        ("both refuse, at different bytes", "refuse", null, "refuse", null, false),
        ("h11 does not skip empty list elements, which RFC 9110 §5.6.1 asks a recipient to", "accept|incomplete", null, "refuse", "Only Transfer-Encoding: chunked is supported", false),
        ("h11 refuses the empty lines RFC 9112 §2.2 asks a server to ignore before a request line", "accept|incomplete", null, "refuse", "no request line received", false),
        ("h11 refuses an incomplete request's line early", "incomplete", null, "refuse", "illegal request line|illegal header line", false),
        ("Kestrel or the worker's checks refuse what h11 refuses (Host, version, limits)", "accept|incomplete", null, "refuse", null, true),
        ("the grammar reads a body h11 does not (h11 drops a Content-Length beside chunked, reads no chunked HTTP/1.0 body)", "incomplete", null, "accept", null, false),
    ];

    public static int Run(string folder, string output, string? socket)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.Contains("/.state/", StringComparison.Ordinal) && !f.EndsWith(".tsv", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var h11 = H11(files);
        var known = new Dictionary<string, (int Count, string Example)>();
        var findings = new List<object>();
        var agree = 0;
        foreach (var file in files)
        {
            var data = File.ReadAllBytes(file);
            var ours = Verdict.Of(data, piece: 0);
            var (theirs, reason) = h11[file];
            if (ours.First == theirs)
            {
                agree++;
                continue;
            }

            int[]? server = null;
            var explained = Explain(ours, theirs, reason);
            if (explained is { ServerRefuses: true })
            {
                // An explanation only if the server, after the grammar, does refuse it.
                server = socket is null ? null : Ask(socket, data);
                if (server is null || (server.Length > 0 && server[0] / 100 == 2))
                {
                    explained = null;
                }
            }

            if (explained is null)
            {
                findings.Add(new { file = Path.GetRelativePath(folder, file), ours = ours.First, rule = ours.Rule, detail = ours.Detail, h11 = theirs, h11_reason = reason, server, request = Show(data) });
                continue;
            }

            var name = explained.Value.Name;
            known[name] = known.TryGetValue(name, out var seen) ? (seen.Count + 1, seen.Example) : (1, Show(data));
        }

        var summary = new
        {
            inputs = files.Count,
            agree,
            known = known.OrderByDescending(k => k.Value.Count).Select(k => new { difference = k.Key, count = k.Value.Count, example = k.Value.Example }),
            findings,
        };
        File.WriteAllText(output, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"differential: {files.Count} inputs, {agree} judged alike by the grammar and h11, {known.Values.Sum(k => k.Count)} known differences, {findings.Count} findings");
        return 0;
    }

    private static (string Name, bool ServerRefuses)? Explain(Verdict ours, string theirs, string reason)
    {
        foreach (var (name, oursFirst, rule, h11, pattern, serverRefuses) in Known)
        {
            if (oursFirst.Split('|').Contains(ours.First)
                && (rule is null || rule.Split('|').Contains(ours.Rule))
                && h11.Split('|').Contains(theirs)
                && (pattern is null || Regex.IsMatch(reason, pattern)))
            {
                return (name, serverRefuses);
            }
        }

        return null;
    }

    /// <summary>h11's verdicts, from h11_judge.py beside this program (run by Debian's python3, where python3-h11 is).</summary>
    private static Dictionary<string, (string Verdict, string Reason)> H11(List<string> files)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "h11_judge.py");
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var reading = process.StandardOutput.ReadToEndAsync();
        foreach (var file in files)
        {
            process.StandardInput.WriteLine(file);
        }

        process.StandardInput.Close();
        var lines = reading.GetAwaiter().GetResult().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length != files.Count)
        {
            throw new InvalidOperationException($"h11_judge.py exited {process.ExitCode} with {lines.Length} verdicts for {files.Count} inputs (is python3-h11 installed?)");
        }

        return lines.Select(l => l.Split('\t')).ToDictionary(p => p[0], p => (p[1], p.Length > 2 ? p[2] : ""));
    }

    /// <summary>Sends the input to the server on <paramref name="socket"/> and returns the statuses it answers with.</summary>
    private static int[] Ask(string socket, byte[] data)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(socket));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return [.. RawHttp.Exchange(client, data, timeout.Token).GetAwaiter().GetResult().Statuses];
    }

    /// <summary>The first bytes of an input, escaped as the corpus writes them.</summary>
    private static string Show(byte[] data)
    {
        var text = new StringBuilder();
        foreach (var b in data.Take(200))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\",
                < 0x20 or >= 0x7F => $"\\x{b:x2}",
                _ => ((char)b).ToString(),
            });
        }

        return data.Length > 200 ? text + "..." : text.ToString();
    }

}
