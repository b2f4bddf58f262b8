using System.Text.Json;
using Gunicornet.Config;

namespace Gunicornet.Ipc;

/// <summary>
/// Everything a worker needs from its master, passed in one environment variable
/// (<see cref="EnvironmentVariable"/>) as JSON, so that the worker's command line stays just the verb:
/// the master's resolved configuration as it is, and what is this worker's own (its sockets, pipes,
/// generation, slot, snapshot and ids).
/// </summary>
internal sealed record WorkerSpec
{
    /// <summary>The variable that carries the spec; the worker removes it from its environment.</summary>
    public const string EnvironmentVariable = "GUNICORNET_WORKER";

    /// <summary>The resolved configuration, its paths absolute.</summary>
    public required ServerConfig Config { get; init; }

    /// <summary>The app's assembly (in its snapshot), an absolute path.</summary>
    public required string AppPath { get; init; }

    /// <summary>
    /// The folder the app was deployed to (its assembly loads from a snapshot of it): what the app sees
    /// as <c>AppContext.BaseDirectory</c>. Null: the folder of <see cref="AppPath"/>.
    /// </summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The app type named after ':' on the command line, if any.</summary>
    public string? TypeName { get; init; }

    /// <summary>The app's content root and the worker's working directory.</summary>
    public required string ContentRoot { get; init; }

    /// <summary>The inherited listening sockets, by descriptor number.</summary>
    public required int[] ListenFds { get; init; }

    /// <summary>The descriptor the worker writes its messages to.</summary>
    public required int ControlWriteFd { get; init; }

    /// <summary>The descriptor whose EOF tells the worker that its master is gone.</summary>
    public required int ControlReadFd { get; init; }

    /// <summary>The generation the worker belongs to.</summary>
    public int Generation { get; init; } = 1;

    /// <summary>The shared balance board's file, or null to accept without balancing.</summary>
    public string? BalanceFile { get; init; }

    /// <summary>This worker's slot on the balance board; -1 for none.</summary>
    public int BalanceSlot { get; init; } = -1;

    /// <summary>The worker's age: 1 for the first worker the master spawned, 2 for the next, and so on.</summary>
    public int Age { get; init; }

    /// <summary>KEY=VALUE variables the app's runtimeconfig asks for (globalization); the settings' raw_env follow them.</summary>
    public string[] AppEnvironment { get; init; } = [];

    /// <summary>The uid to run as, or null to keep the master's.</summary>
    public uint? Uid { get; init; }

    /// <summary>The gid to run as, or null to keep the master's.</summary>
    public uint? Gid { get; init; }

    /// <summary>The user's name, for initgroups.</summary>
    public string? UserName { get; init; }

    /// <summary>
    /// A folder the master keeps for its workers while it runs, where they share the app's Data
    /// Protection keys when the app keeps them nowhere else; null for none.
    /// </summary>
    public string? KeysDirectory { get; init; }

    /// <summary>
    /// True for a worker that only checks the app (<c>--check-config</c>): it boots the app as any worker
    /// does, with a server that listens nowhere, and stops as soon as the app has started.
    /// </summary>
    public bool Check { get; init; }

    /// <summary>Serialises the spec for the environment: its own properties by name, and the configuration.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in typeof(WorkerSpec).GetProperties().Where(p => p.CanWrite && p.Name != nameof(Config)))
            {
                writer.WritePropertyName(property.Name);
                JsonValues.Write(writer, property.GetValue(this));
            }

            writer.WritePropertyName(nameof(Config));
            Config.WriteTo(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Reads the spec from its JSON form. A worker reads it before anything else, so it is read
    /// through the DOM and set property by property: the generated deserializer still cost a booting
    /// worker about 40 ms (its generic converters over value types are compiled at run time), the
    /// reflection-based one about 70 ms; this takes a few.
    /// </summary>
    /// <exception cref="JsonException">Not a spec.</exception>
    public static WorkerSpec FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the worker spec is not a JSON object");
        }

        var spec = new WorkerSpec { Config = ServerConfig.Defaults(""), AppPath = "", ContentRoot = "", ListenFds = [], ControlWriteFd = -1, ControlReadFd = -1 };
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == nameof(Config))
            {
                spec = spec with { Config = ServerConfig.FromJson(property.Value) };
            }
            else if (typeof(WorkerSpec).GetProperty(property.Name) is { CanWrite: true } target)
            {
                target.SetValue(spec, Read(property.Value, target.PropertyType));
            }
        }

        return spec;
    }

    /// <summary>A JSON value as the property's type: the types a spec holds, and records of them.</summary>
    private static object? Read(JsonElement value, Type type)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return value.GetString();
        }

        if (type == typeof(int))
        {
            return value.GetInt32();
        }

        if (type == typeof(uint))
        {
            return value.GetUInt32();
        }

        if (type == typeof(bool))
        {
            return value.GetBoolean();
        }

        if (type == typeof(int[]))
        {
            return value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }

        if (type == typeof(string[]))
        {
            return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        throw new JsonException($"the worker spec holds a {type.Name}, which it cannot read");
    }
}
