using System.Text.Json.Serialization;
using PgArk.Core.Catalog;

namespace PgArk.Core.Physical;

/// <param name="Jobs">Files copied in parallel (default: processor count).</param>
/// <param name="ArchiveTimeout">How long to wait for the backup's last WAL segment to reach the repository.</param>
/// <param name="FastCheckpoint">Ask PostgreSQL for an immediate checkpoint instead of a spread one.</param>
/// <param name="ChecksumAll">diff/incr: decide "unchanged" by content (SHA-256) instead of size and modification time.</param>
internal sealed record BackupOptions(
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

/// <summary>
/// What a backup produced. Its JSON (what REST, MCP and <c>pgark backup --output json</c> return) is the backup's summary:
/// the manifest's identity, positions and sizes, not its file list, which can hold hundreds of thousands of entries.
/// </summary>
public sealed record BackupResult([property: JsonIgnore] BackupManifest Manifest, int FilesCopied, int FilesVanished, bool StaleLockTakenOver,
    IReadOnlyList<string> RemovedIncompleteBackups, int FilesReferenced = 0, int FilesAsDelta = 0, string? FallbackReason = null)
{
    [JsonPropertyOrder(-10)]
    public string BackupId => Manifest.Id;

    [JsonPropertyOrder(-9)]
    public string Server => Manifest.Server;

    [JsonPropertyOrder(-8)]
    public BackupType Type => Manifest.Type;

    /// <summary>The backup a diff or incr builds on (null for a full backup).</summary>
    [JsonPropertyOrder(-7)]
    public string? Parent => Manifest.Parent;

    [JsonPropertyOrder(-6)]
    public string? Label => Manifest.Label;

    [JsonPropertyOrder(-5)]
    public DateTimeOffset StartTime => Manifest.StartTime;

    [JsonPropertyOrder(-5)]
    public DateTimeOffset StopTime => Manifest.StopTime;

    [JsonPropertyOrder(-4)]
    public string StartLsn => Manifest.StartLsn;

    [JsonPropertyOrder(-4)]
    public string StopLsn => Manifest.StopLsn;

    /// <summary>First and last WAL segment the backup needs (inclusive).</summary>
    [JsonPropertyOrder(-4)]
    public string StartWal => Manifest.StartWal;

    [JsonPropertyOrder(-4)]
    public string StopWal => Manifest.StopWal;

    [JsonPropertyOrder(-3)]
    public long Size => Manifest.Size;

    [JsonPropertyOrder(-3)]
    public long StoredSize => Manifest.StoredSize;

    [JsonPropertyOrder(-3)]
    public double DurationSeconds => Manifest.DurationSeconds;

    [JsonPropertyOrder(-3)]
    public double MegabytesPerSecond => Manifest.DurationSeconds <= 0 ? 0 : Manifest.Size / 1048576.0 / Manifest.DurationSeconds;

    /// <summary>Number of files in the backup.</summary>
    [JsonPropertyOrder(-2)]
    public int Files => Manifest.Files.Count;

    /// <summary>Pages whose checksum did not match while they were read (the backup still holds them as read).</summary>
    public IReadOnlyList<PageChecksumError> PageChecksumErrors => Manifest.PageChecksumErrors;

    /// <summary>Name of the repository this backup went to.</summary>
    public string? Repository { get; init; }

    /// <summary>With several repositories: the backups taken into the others, in configuration order.</summary>
    public IReadOnlyList<BackupResult> Others { get; init; } = [];
}
