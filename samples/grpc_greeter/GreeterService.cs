using Grpc.Core;

namespace GrpcGreeter;

/// <summary>The Greeter service of Protos/greeter.proto.</summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    /// <inheritdoc />
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = $"Hello {request.Name} from worker {Environment.ProcessId}" });

    /// <inheritdoc />
    public override async Task Countdown(CountdownRequest request, IServerStreamWriter<Tick> responseStream, ServerCallContext context)
    {
        for (var n = request.From; n > 0; n--)
        {
            await responseStream.WriteAsync(new Tick { Text = $"{n} from worker {Environment.ProcessId}" }, context.CancellationToken);
            if (n > 1 && request.IntervalMs > 0)
            {
                await Task.Delay(request.IntervalMs, context.CancellationToken);
            }
        }
    }
}
