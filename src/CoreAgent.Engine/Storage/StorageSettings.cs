namespace CoreAgent.Engine.Storage;

public enum StorageSync { Normal, Full }

/// <summary>The [SERVICE] storage.* settings (docs/storage.md).</summary>
public sealed record StorageSettings
{
    public const int DefaultMaxChunksUp = 128;
    public const long DefaultBacklogMemLimit = 5_000_000;
    public const string DefaultRejectedPath = "rejected";

    /// <summary>The folder that holds every input's chunk files; null when filesystem buffering is off.</summary>
    public string? Path { get; init; }

    /// <summary>Normal: each append is one write (survives a killed process). Full: fsync after each append (survives a power loss).</summary>
    public StorageSync Sync { get; init; } = StorageSync.Normal;

    /// <summary>CRC-32C over every appended block; off keeps only the header's CRC and a structural check.</summary>
    public bool Checksum { get; init; } = true;

    /// <summary>Chunks of filesystem inputs held in memory at once, per pipeline; more pause the inputs.</summary>
    public int MaxChunksUp { get; init; } = DefaultMaxChunksUp;

    /// <summary>Bytes of chunks from an earlier run held in memory at once while they are delivered.</summary>
    public long BacklogMemLimit { get; init; } = DefaultBacklogMemLimit;

    /// <summary>Keep the chunks an output rejects or gives up on (the dead letter queue).</summary>
    public bool KeepRejected { get; init; }

    /// <summary>The dead letter folder, under <see cref="Path"/>.</summary>
    public string RejectedPath { get; init; } = DefaultRejectedPath;

    /// <summary>Total bytes of the dead letter folder; past it new rejected chunks are skipped with a warning. Null: no limit.</summary>
    public long? RejectedLimit { get; init; }

    /// <summary>The folder damaged chunk files are moved to.</summary>
    public const string QuarantineFolder = "quarantine";
}
