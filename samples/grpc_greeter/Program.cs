// A gRPC service as the SDK's grpc template writes one: alone (`dotnet run`) it listens on
// http://127.0.0.1:5090 for HTTP/2 by prior knowledge (appsettings.json's Kestrel:EndpointDefaults);
// under gunicornet it serves on the master's sockets, with the same protocols unless
// --http-protocols says otherwise (README, "HTTP/2").
using GrpcGreeter;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGrpc();

var app = builder.Build();
app.MapGrpcService<GreeterService>();
app.MapGet("/", () => "Greeter speaks gRPC: greeter.Greeter/SayHello and greeter.Greeter/Countdown (Protos/greeter.proto).\n");

app.Run("http://127.0.0.1:5090");
