using PgArk.Core.Catalog;

namespace PgArk.Core.Physical;

/// <param name="Jobs">Files copied in parallel (default: processor count).</param>
/// <param name="ArchiveTimeout">How long to wait for the backup's last WAL segment to reach the repository.</param>
/// <param name="FastCheckpoint">Ask PostgreSQL for an immediate checkpoint instead of a spread one.</param>
/// <param name="ChecksumAll">diff/incr: decide "unchanged" by content (SHA-256) instead of size and modification time.</param>
public sealed record BackupOptions(
    BackupType Type = BackupType.Full,
    string? Label = null,
    int Jobs = 0,
    TimeSpan? ArchiveTimeout = null,
    bool FastCheckpoint = true,
    bool ChecksumAll = false)
{
    public int EffectiveJobs => Jobs > 0 ? Jobs : Environment.ProcessorCount;
    public TimeSpan EffectiveArchiveTimeout => ArchiveTimeout ?? TimeSpan.FromSeconds(60);
}

/// <summary>What a backup produced, for the summary line and machine-readable output.</summary>
public sealed record BackupResult(BackupManifest Manifest, int FilesCopied, int FilesVanished, bool StaleLockTakenOver,
    IReadOnlyList<string> RemovedIncompleteBackups, int FilesReferenced = 0, int FilesAsDelta = 0, string? FallbackReason = null)
{
    public double MegabytesPerSecond => Manifest.DurationSeconds <= 0 ? 0 : Manifest.Size / 1048576.0 / Manifest.DurationSeconds;

    /// <summary>Name of the repository this backup went to.</summary>
    public string? Repository { get; init; }

    /// <summary>With several repositories: the backups taken into the others, in configuration order.</summary>
    public IReadOnlyList<BackupResult> Others { get; init; } = [];
}
