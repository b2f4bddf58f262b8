using System.Diagnostics;

namespace Gunicornet.Tests.Support;

/// <summary>Runs a command to its end and keeps what it printed.</summary>
internal static class Command
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; returns its exit code and its stdout and stderr together.</summary>
    public static Task<(int Code, string Output)> Run(CancellationToken ct, string file, params string[] args) => RunIn(null, ct, file, args);

    /// <summary>As <see cref="Run"/>, in the folder <paramref name="directory"/> (null: the current one).</summary>
    public static async Task<(int Code, string Output)> RunIn(string? directory, CancellationToken ct, string file, params string[] args)
    {
        var (code, stdout, stderr) = await RunApart(directory, ct, file, args);
        return (code, (stdout + stderr).Trim());
    }

    /// <summary>As <see cref="RunIn"/>, with stdout and stderr apart.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunApart(string? directory, CancellationToken ct, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? "" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }
}
