// `dotnet api.dll seed [--reset]` creates the database and loads the seed data; the API itself is
// served by gunicornet: gunicornet --bind 0.0.0.0:5002 --workers 3 api.dll
if (args is ["seed", ..])
{
    Hbnb.Storage.Initialize(reset: args.Contains("--reset"));
    var (postgres, target) = Hbnb.Storage.Configured();
    Console.WriteLine($"seeded {(postgres ? "PostgreSQL" : target)}");
    return 0;
}

Console.Error.WriteLine("usage: dotnet api.dll seed [--reset]   (serve the API with: gunicornet --bind 0.0.0.0:5002 api.dll)");
return 2;
