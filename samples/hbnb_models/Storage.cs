using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hbnb;

/// <summary>
/// Where the data lives. <c>HBNB_DATABASE</c> is either a PostgreSQL connection string
/// (<c>Host=...;Database=...</c>) or a SQLite file path; without it, <c>$TMPDIR/hbnb.db</c>. A
/// per-process file store would be wrong with several workers (each would see its own copy): both
/// are shared by every worker, and a write through one is visible through all.
/// </summary>
public static class Storage
{
    /// <summary>The variable that names the database.</summary>
    public const string Variable = "HBNB_DATABASE";

    /// <summary>The configured database: (true, connection string) for PostgreSQL, (false, path) for SQLite.</summary>
    public static (bool Postgres, string Target) Configured()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return (false, Path.Combine(Path.GetTempPath(), "hbnb.db"));
        }

        return value.Contains("Host=", StringComparison.OrdinalIgnoreCase) ? (true, value) : (false, Path.GetFullPath(value));
    }

    /// <summary>Options for a context on the configured database.</summary>
    public static void Configure(DbContextOptionsBuilder options)
    {
        var (postgres, target) = Configured();
        if (postgres)
        {
            options.UseNpgsql(target);
        }
        else
        {
            // Writers of several processes wait for each other (up to the command timeout) instead of failing.
            options.UseSqlite($"Data Source={target};Default Timeout=30;Pooling=True");
        }
    }

    /// <summary>
    /// Registers the context on the configured database. Its SQL statements are not logged (EF Core
    /// logs each at Information): they would fill the error log with a line per query.
    /// </summary>
    public static IServiceCollection AddHbnbStorage(this IServiceCollection services) =>
        services
            .AddLogging(logging => logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning))
            .AddDbContext<HbnbDb>(Configure);

    /// <summary>A context outside dependency injection (the seed command, the startup check).</summary>
    public static HbnbDb Open()
    {
        var options = new DbContextOptionsBuilder<HbnbDb>();
        Configure(options);
        return new HbnbDb(options.Options);
    }

    /// <summary>
    /// Creates the schema and loads the seed data when the database is new. Several workers start at
    /// once: only one creates and seeds, under a lock that spans processes (a lock file next to a
    /// SQLite database, an advisory lock in PostgreSQL).
    /// </summary>
    public static void Initialize(bool reset = false)
    {
        var (postgres, target) = Configured();
        using var guard = postgres ? null : LockFile(target + ".init-lock");
        if (postgres)
        {
            CreatePostgresDatabase(target);
        }

        using var db = Open();
        if (postgres)
        {
            db.Database.OpenConnection();
            db.Database.ExecuteSqlRaw("SELECT pg_advisory_lock(4815162342)");
        }

        try
        {
            if (reset)
            {
                db.Database.EnsureDeleted();
            }

            if (db.Database.EnsureCreated() && !postgres)
            {
                // Readers never block the writer, and the setting stays with the file.
                db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
            }

            if (!db.States.Any())
            {
                SeedData.Load(db);
            }
        }
        finally
        {
            if (postgres)
            {
                db.Database.ExecuteSqlRaw("SELECT pg_advisory_unlock(4815162342)");
            }
        }
    }

    /// <summary>Creates the PostgreSQL database when it does not exist (another worker may be doing the same).</summary>
    private static void CreatePostgresDatabase(string connectionString)
    {
        var target = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        using var connection = new Npgsql.NpgsqlConnection(maintenance.ConnectionString);
        connection.Open();
        using var exists = new Npgsql.NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", target.Database ?? "hbnb");
        if (exists.ExecuteScalar() is not null)
        {
            return;
        }

        try
        {
            using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{(target.Database ?? "hbnb").Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            create.ExecuteNonQuery();
        }
        catch (Npgsql.PostgresException e) when (e.SqlState is "42P04" or "23505")
        {
            // Created meanwhile by another worker.
        }
    }

    private static FileStream LockFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }
}
