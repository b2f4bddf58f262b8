using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gunicornet.Worker;

/// <summary>
/// Everything a worker needs from its master, passed in one environment variable
/// (<see cref="EnvironmentVariable"/>) as JSON, so that the worker's command line stays just the verb.
/// </summary>
internal sealed record WorkerSpec
{
    /// <summary>The variable that carries the spec; the worker removes it from its environment.</summary>
    public const string EnvironmentVariable = "GUNICORNET_WORKER";

    /// <summary>The app's assembly, an absolute path.</summary>
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

    /// <summary>The listen backlog Kestrel re-applies when it adopts a socket.</summary>
    public int Backlog { get; init; } = 2048;

    /// <summary>How long a graceful stop may take, in seconds.</summary>
    public double GracefulTimeoutSeconds { get; init; } = 30;

    /// <summary>Seconds Kestrel waits for the next request on a keep-alive connection.</summary>
    public double KeepAliveSeconds { get; init; } = 2;

    /// <summary>The error log file the worker reopens on USR1, or null for stderr.</summary>
    public string? ErrorLog { get; init; }

    /// <summary>The access log: a file, "-" for stdout, or null when off.</summary>
    public string? AccessLog { get; init; }

    /// <summary>The access log line's format.</summary>
    public string AccessLogFormat { get; init; } = Logging.AccessLogFormat.Default;

    /// <summary>The generation the worker belongs to.</summary>
    public int Generation { get; init; } = 1;

    /// <summary>The shared balance board's file, or null to accept without balancing.</summary>
    public string? BalanceFile { get; init; }

    /// <summary>This worker's slot on the balance board; -1 for none.</summary>
    public int BalanceSlot { get; init; } = -1;

    /// <summary>The error log's level name.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary>The worker's age: 1 for the first worker the master spawned, 2 for the next, and so on.</summary>
    public int Age { get; init; }

    /// <summary>Kestrel's RequestHeadersTimeout.</summary>
    public double HeaderTimeoutSeconds { get; init; } = 30;

    /// <summary>Simultaneous connections Kestrel accepts.</summary>
    public int WorkerConnections { get; init; } = 1000;

    /// <summary>The request line's limit in bytes; 0 for Kestrel's largest.</summary>
    public int LimitRequestLine { get; init; } = 4094;

    /// <summary>The most header fields in a request.</summary>
    public int LimitRequestFields { get; init; } = 100;

    /// <summary>One header field's limit in bytes; 0 for none.</summary>
    public int LimitRequestFieldSize { get; init; } = 8190;

    /// <summary>KEY=VALUE variables the worker is started with.</summary>
    public string[] Environment { get; init; } = [];

    /// <summary>The uid to run as, or null to keep the master's.</summary>
    public uint? Uid { get; init; }

    /// <summary>The gid to run as, or null to keep the master's.</summary>
    public uint? Gid { get; init; }

    /// <summary>The user's name, for initgroups.</summary>
    public string? UserName { get; init; }

    /// <summary>Take the supplementary groups of the user.</summary>
    public bool InitGroups { get; init; }

    /// <summary>The trusted proxies.</summary>
    public string ForwardedAllowIps { get; init; } = "127.0.0.1,::1";

    /// <summary>HEADER=VALUE pairs marking https, from a trusted proxy.</summary>
    public string[] SecureSchemeHeaders { get; init; } = [];

    /// <summary>TLS, or null for plain http.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>The processes' name, or null.</summary>
    public string? ProcName { get; init; }

    /// <summary>Duplicate stdout onto the error log.</summary>
    public bool CaptureOutput { get; init; }

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

    /// <summary>Serialises the spec for the environment.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, WorkerSpecJson.Default.WorkerSpec);

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

        var spec = new WorkerSpec { AppPath = "", ContentRoot = "", ListenFds = [], ControlWriteFd = -1, ControlReadFd = -1 };
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (typeof(WorkerSpec).GetProperty(property.Name) is { CanWrite: true } target)
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

        if (type == typeof(double))
        {
            return value.GetDouble();
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

        // A positional record (TlsSettings): its constructor's parameters by name.
        var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
            ?? throw new JsonException($"the worker spec holds a {type.Name}, which it cannot read");
        var arguments = constructor.GetParameters()
            .Select(p => value.TryGetProperty(p.Name!, out var field) ? Read(field, p.ParameterType) : null)
            .ToArray();
        return constructor.Invoke(arguments);
    }
}

/// <summary>The spec's serializer, generated at build time (the master writes the spec).</summary>
[JsonSerializable(typeof(WorkerSpec))]
internal sealed partial class WorkerSpecJson : JsonSerializerContext;
