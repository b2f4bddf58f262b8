using System.Globalization;

namespace Gunicornet.Tests.Support;

/// <summary>
/// An HBNB sample under gunicornet with 3 workers, on a database of its own: a SQLite file in a
/// temporary folder, or a fresh PostgreSQL database on the server <c>HBNB_TEST_POSTGRES</c> names.
/// </summary>
internal sealed class HbnbServer : IAsyncDisposable
{
    private readonly TempDirectory _temp = new("gunicornet-hbnb");
    private readonly string? _postgres;
    private readonly string? _database;

    private HbnbServer(string backend)
    {
        if (backend == "postgres")
        {
            _postgres = Environment.GetEnvironmentVariable("HBNB_TEST_POSTGRES")!;
            _database = "hbnb_test_" + Guid.NewGuid().ToString("N")[..12];
            Database = $"{_postgres};Database={_database}";
        }
        else
        {
            Database = _temp.File("hbnb.db");
        }
    }

    /// <summary>What HBNB_DATABASE was set to.</summary>
    public string Database { get; }

    /// <summary>The server.</summary>
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>Its address.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Starts <paramref name="app"/> with 3 workers on a fresh database.</summary>
    public static async Task<HbnbServer> Start(string app, string backend, CancellationToken ct, int workers = 3)
    {
        var hbnb = new HbnbServer(backend);
        hbnb.Server = ServerProcess.Start(
            ["-b", "127.0.0.1:0", "-w", workers.ToString(CultureInfo.InvariantCulture), "--log-level", "debug", app],
            new Dictionary<string, string?> { ["HBNB_DATABASE"] = hbnb.Database });
        hbnb.Url = await hbnb.Server.WaitForListening(ct);
        await hbnb.Server.WaitForReady(workers, ct);
        return hbnb;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(_postgres) { Database = "postgres", Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        _temp.Dispose();
    }
}
