using System.Diagnostics;

namespace Gunicornet.Tests.Support;

/// <summary>Bounded polling: a condition checked against a deadline, never a fixed sleep.</summary>
internal static class Wait
{
    /// <summary>Waits until <paramref name="condition"/> holds, failing the test after <paramref name="within"/>.</summary>
    public static async Task Until(Func<bool> condition, TimeSpan within, string what, CancellationToken cancellationToken, Func<string>? context = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > within)
            {
                Assert.Fail($"timed out after {within.TotalSeconds:F0}s waiting for {what}{(context is null ? "" : "\n" + context())}");
            }

            await Task.Delay(10, cancellationToken);
        }
    }
}
