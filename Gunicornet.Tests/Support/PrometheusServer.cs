using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gunicornet.Tests.Support;

/// <summary>
/// Debian's Prometheus, started by a test: scraping one target every second, its data in a private
/// folder, its web API on a port the kernel picked (read back from its "Listening on" line), killed on
/// dispose.
/// </summary>
internal sealed partial class PrometheusServer : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PrometheusServer(TempDirectory dir, Process process)
    {
        _dir = dir;
        _process = process;
    }

    /// <summary>Its HTTP API's base URL.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>What it printed, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (HOST:PORT, path /metrics) every second.</summary>
    public static async Task<PrometheusServer> Start(string target, CancellationToken ct)
    {
        var dir = new TempDirectory("gunicornet-prometheus");
        File.WriteAllText(dir.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: gunicornet
                static_configs:
                  - targets: ['{target}']
            """);
        var start = new ProcessStartInfo("prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--config.file=" + dir.File("prometheus.yml"), "--storage.tsdb.path=" + dir.File("data"), "--web.listen-address=127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new PrometheusServer(dir, process);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Wait.Until(() => ListeningOn().IsMatch(server.Output) || process.HasExited, TimeSpan.FromSeconds(30), "Prometheus listening", ct, () => server.Output);
        Assert.That(process.HasExited, Is.False, server.Output);
        server.Url = new Uri("http://" + ListeningOn().Match(server.Output).Groups[1].Value);
        return server;
    }

    /// <summary>An instant query's single value, or null when it has none (yet).</summary>
    public async Task<double?> Query(string promql, CancellationToken ct)
    {
        var (status, body) = await Http.Get(Url, "/api/v1/query?query=" + Uri.EscapeDataString(promql), ct);
        if (status != 200 || JsonNode.Parse(body)?["data"]?["result"] is not JsonArray { Count: 1 } result)
        {
            return null;
        }

        return double.Parse((string)result[0]!["value"]![1]!, CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _dir.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    [GeneratedRegex(@"msg=""Listening on"" address=(127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
