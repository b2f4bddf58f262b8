using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Gunicornet.Worker;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gunicornet.Fuzz;

/// <summary>
/// What the connection layer costs a request, in one process and nothing else on its path: keep-alive
/// requests (a browser's head, 355 bytes) written one at a time into a pipe and read off it by a reader
/// that finds each head's end, as Kestrel's parser would, once straight off the pipe and once through
/// <c>--http-grammar strict</c>'s middleware; alternating rounds, medians. The difference is the CPU the
/// grammar adds to each request (docs/benchmarks.md sets it against the CPU a worker spends on one).
/// </summary>
internal static class Bench
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-GB,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\n" +
        "Cookie: session=3f9a1c2e7b5d4a6f8e0c1b2a3d4e5f60; theme=dark\r\n\r\n");

    public static int Run(int requests)
    {
        var strict = new StrictHttp(null, NullLogger.Instance);
        var plain = new List<double>();
        var checkedRounds = new List<double>();
        long plainBytes = 0, checkedBytes = 0;
        for (var round = 0; round < 7; round++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            plain.Add(Measure(requests, next => next));
            var between = GC.GetTotalAllocatedBytes(precise: true);
            checkedRounds.Add(Measure(requests, strict.Use));
            (plainBytes, checkedBytes) = (between - before, GC.GetTotalAllocatedBytes(precise: true) - between);
        }

        // The first round of each warms the JIT up.
        double Median(List<double> values) => values.Skip(1).Order().ElementAt((values.Count - 1) / 2);
        var (p, c) = (Median(plain), Median(checkedRounds));
        Console.WriteLine($"bench: {Request.Length}-byte requests, {requests:N0} a round, 6 rounds each after a warm-up");
        Console.WriteLine($"bench: straight off the pipe {p:F0} ns a request, through --http-grammar strict {c:F0} ns: the grammar adds {c - p:F0} ns a request");
        Console.WriteLine($"bench: allocated {(double)plainBytes / requests:F1} and {(double)checkedBytes / requests:F1} bytes a request");
        return 0;
    }

    private static double Measure(int requests, Func<ConnectionDelegate, ConnectionDelegate> layer)
    {
        var input = new Pipe(new PipeOptions(pauseWriterThreshold: 0, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var output = new Pipe();
        var connection = new DefaultConnectionContext("bench", new Duplex(input.Reader, output.Writer), new Duplex(output.Reader, input.Writer));
        var clock = new Stopwatch();
        var run = layer(async context =>
        {
            var reader = context.Transport.Input;
            clock.Start();
            for (var served = 0; served < requests;)
            {
                // The client sends its next request once the last is answered: one request a read.
                input.Writer.Write(Request);
                await input.Writer.FlushAsync();
                var read = await reader.ReadAsync();
                var buffer = read.Buffer;
                var end = buffer.PositionOf((byte)'\n');
                while (end is { } lf && !EndsHead(buffer, lf))
                {
                    end = buffer.Slice(buffer.GetPosition(1, lf)).PositionOf((byte)'\n');
                }

                var consumed = end is { } last ? buffer.GetPosition(1, last) : buffer.Start;
                reader.AdvanceTo(consumed, buffer.End);
                served += end is null ? 0 : 1;
            }

            clock.Stop();
        });
        run(connection).GetAwaiter().GetResult();
        return clock.Elapsed.TotalNanoseconds / requests;
    }

    /// <summary>True when the LF at <paramref name="lf"/> ends an empty line (CRLF CRLF).</summary>
    private static bool EndsHead(ReadOnlySequence<byte> buffer, SequencePosition lf)
    {
        var offset = buffer.Slice(buffer.Start, lf).Length;
        return offset >= 3 && buffer.Slice(offset - 3, 3).ToArray() is [(byte)'\r', (byte)'\n', (byte)'\r'];
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
