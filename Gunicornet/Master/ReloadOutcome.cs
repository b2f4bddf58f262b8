namespace Gunicornet.Master;

/// <summary>Where a reload stands.</summary>
internal enum ReloadState
{
    /// <summary>The new generation is booting; the old one serves.</summary>
    Reloading,

    /// <summary>The new generation serves; the old one has been retired.</summary>
    Complete,

    /// <summary>The new generation could not boot and went; the old one never stopped.</summary>
    RolledBack,

    /// <summary>The configuration could not be read again (or the app copied): nothing changed.</summary>
    Refused,
}

/// <summary>A reload, the <paramref name="Number"/>th the master was asked for, of <paramref name="Generation"/>, and what became of it.</summary>
internal sealed record ReloadOutcome(int Number, int Generation, ReloadState State, string? Reason);
