using Gunicornet.Worker;

namespace Gunicornet.Fuzz;

/// <summary>The grammar's judgment of an input: bytes called good, messages ended, and the rule of a refusal.</summary>
internal sealed record Verdict(long Good, long Messages, string? Rule, string? Detail, int Status)
{
    /// <summary>
    /// Scans <paramref name="data"/> in pieces of <paramref name="piece"/> bytes (0: at once), going
    /// on after a request that may switch protocols as if it did not (the bytes are judged as HTTP).
    /// </summary>
    public static Verdict Of(byte[] data, int piece)
    {
        var grammar = new HttpGrammar();
        long good = 0;
        var step = piece <= 0 ? Math.Max(1, data.Length) : piece;
        for (var start = 0; start < data.Length && grammar.Refusal is null; start += step)
        {
            var chunk = data.AsSpan(start, Math.Min(step, data.Length - start));
            for (var rounds = 0; chunk.Length > 0 && grammar.Refusal is null; rounds++)
            {
                if (rounds > chunk.Length + 1)
                {
                    throw new InvalidOperationException("the grammar made no progress");
                }

                var n = grammar.Scan(chunk);
                good += n;
                chunk = chunk[n..];
                if (grammar.Paused)
                {
                    grammar.Resume();
                }
            }
        }

        return new Verdict(good, grammar.Messages, grammar.Refusal?.Rule, grammar.Refusal?.Detail, grammar.Refusal?.Status ?? 0);
    }

    /// <summary>What the grammar says of the first request: accept (it ended), refuse, or incomplete.</summary>
    public string First => Messages > 0 ? "accept" : Rule is null ? "incomplete" : "refuse";
}
