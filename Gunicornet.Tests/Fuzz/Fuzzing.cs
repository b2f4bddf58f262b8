using Gunicornet.Worker;

namespace Gunicornet.Fuzz;

/// <summary>
/// What each input must satisfy: the grammar neither throws nor loops, never calls more bytes good
/// than it was given, names a rule for every refusal, and judges the same however the bytes are
/// split into reads (whole, one at a time, and in pieces the input itself chooses). A breach throws,
/// which AFL records as a crash.
/// </summary>
internal static class Fuzzing
{
    public static int Run()
    {
        SharpFuzz.Fuzzer.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Check(copy.ToArray());
        });
        return 0;
    }

    public static void Check(byte[] data)
    {
        var whole = Verdict.Of(data, piece: 0);
        var piece = data.Length == 0 ? 1 : 1 + (data[^1] % 13);
        foreach (var split in new[] { Verdict.Of(data, piece: 1), Verdict.Of(data, piece) })
        {
            if (split != whole)
            {
                throw new InvalidOperationException($"the verdict depends on how the bytes are split: {whole} whole, {split} in pieces");
            }
        }

        if (whole.Good > data.Length || (whole.Rule is not null && whole.Detail is not { Length: > 0 }))
        {
            throw new InvalidOperationException($"an impossible verdict: {whole} for {data.Length} bytes");
        }
    }
}
