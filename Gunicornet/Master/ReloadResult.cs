using Gunicornet.Config;

namespace Gunicornet.Master;

/// <summary>What a reload produced: the configuration of a new generation, or why it was refused.</summary>
internal sealed record ReloadResult(ServerConfig? Config, string? Error)
{
    /// <summary>The reload can go ahead with <paramref name="config"/>.</summary>
    public static ReloadResult Ok(ServerConfig config) => new(config, null);

    /// <summary>The reload is refused; the running generation keeps serving.</summary>
    public static ReloadResult Refused(string error) => new(null, error);
}

/// <summary>What the pool looks like, for status reports.</summary>
internal sealed record ArbiterStatus(int Generation, int Ready, int Booting, int Draining, int Target, bool Reloading, bool ShuttingDown);
