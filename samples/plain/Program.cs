// An unmodified ASP.NET Core app: it runs alone with `dotnet run`, and under
// `gunicornet plain.dll` it serves on the master's sockets instead of its own URL.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => $"Hello from a plain ASP.NET Core app, process {Environment.ProcessId}!\n");
app.MapGet("/pid", () => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

app.Run("http://127.0.0.1:5080");
