// An app that knows nothing of Gunicornet and picks its own endpoints, in code (OWN_SOCKET) and
// through the URLs setting (OWN_URL): under Gunicornet neither may be bound.
var builder = WebApplication.CreateBuilder(args);
if (Environment.GetEnvironmentVariable("OWN_SOCKET") is { Length: > 0 } socket)
{
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socket));
}

var app = builder.Build();
app.MapGet("/", () => "plain");
app.MapGet("/pid", () => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
app.MapGet("/json", () => Newtonsoft.Json.JsonConvert.SerializeObject(new { library = "Newtonsoft.Json" }));
app.MapGet("/contentroot", () => app.Environment.ContentRootPath);
app.MapGet("/name", () => app.Environment.ApplicationName);

// What the app sees of its own program, one "key=value" a line.
app.MapGet("/identity", () => string.Join("\n",
    $"base={AppContext.BaseDirectory}",
    $"entry={System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name}",
    $"domain={AppDomain.CurrentDomain.FriendlyName}",
    $"name={app.Environment.ApplicationName}",
    $"contentroot={app.Environment.ContentRootPath}",
    $"webroot={app.Environment.WebRootPath}",
    $"cwd={Environment.CurrentDirectory}"));
// The first month in the culture NAME; in invariant globalization only the invariant culture exists.
app.MapGet("/culture", (string name) =>
{
    try
    {
        return System.Globalization.CultureInfo.GetCultureInfo(name).DateTimeFormat.GetMonthName(1);
    }
    catch (System.Globalization.CultureNotFoundException)
    {
        return "invariant";
    }
});
app.MapGet("/slow", async (int ms, string? tag) =>
{
    Console.Error.WriteLine($"slow-started {tag}");
    await Task.Delay(ms);
    return "slow-done";
});

app.Run(Environment.GetEnvironmentVariable("OWN_URL") is { Length: > 0 } url ? url : null);
