using System.Text.Json.Serialization.Metadata;
using PgArk.Core.Common;
using PgArk.Core.Postgres;
namespace PgArk.Core.Catalog;

/// <summary>
/// The record of one physical backup, stored as <c>manifest.json</c> in the backup's folder. It is written last:
/// a backup folder without a manifest is an interrupted backup and is never offered for restore.
/// See docs/repository-format.md for the meaning of every field.
/// </summary>
public sealed record BackupManifest : IJsonFile<BackupManifest>
{
    static JsonTypeInfo<BackupManifest> IJsonFile<BackupManifest>.JsonInfo => CatalogJsonContext.Default.BackupManifest;

    /// <summary>2 added <see cref="WalLogHints"/> and <see cref="ManifestFile.BlockMap"/>; format 1 manifests are read as before.</summary>
    public const int CurrentFormat = 2;

    public int Format { get; init; } = CurrentFormat;
    public required string Id { get; init; }
    public required BackupType Type { get; init; }

    /// <summary>The backup this one depends on (null for a full backup).</summary>
    public string? Parent { get; init; }

    public required string Server { get; init; }
    public string? Label { get; init; }

    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset StopTime { get; init; }

    /// <summary>LSN of the backup's start checkpoint redo point (pg_backup_start).</summary>
    public required string StartLsn { get; init; }

    /// <summary>LSN returned by pg_backup_stop: recovery must replay at least this far to be consistent.</summary>
    public required string StopLsn { get; init; }

    public required uint Timeline { get; init; }

    /// <summary>First and last WAL segment needed to make this backup consistent (inclusive).</summary>
    public required string StartWal { get; init; }
    public required string StopWal { get; init; }

    /// <summary>First transaction id not yet assigned when the backup stopped (a target xid at or after it is reachable).</summary>
    public ulong? StopNextXid { get; init; }

    public required ulong SystemIdentifier { get; init; }

    /// <summary>server_version_num of the backed-up cluster, e.g. 150018.</summary>
    public required int PgVersionNum { get; init; }

    public required long WalSegmentSize { get; init; }
    public required bool DataChecksums { get; init; }

    /// <summary><c>wal_log_hints</c> when the backup ran; null in format 1 manifests, which did not record it.</summary>
    public bool? WalLogHints { get; init; }

    /// <summary>
    /// True when every page change was WAL-logged with a new page LSN while this backup ran: with data checksums or
    /// <c>wal_log_hints</c>, the first hint-bit change of a page after a checkpoint writes a full-page image. Otherwise
    /// hint bits (and LP_DEAD marks) change pages without a new LSN, and page LSNs cannot tell which pages changed.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HintBitsWalLogged => DataChecksums || WalLogHints == true;

    public required string Compression { get; init; }
    public required int CompressionLevel { get; init; }

    /// <summary>Sum of the plain sizes of every file in the backup (bytes).</summary>
    public required long Size { get; init; }

    /// <summary>Bytes this backup added to the repository (compressed; files referenced from a parent do not count).</summary>
    public required long StoredSize { get; init; }

    public required double DurationSeconds { get; init; }

    public required IReadOnlyList<ManifestTablespace> Tablespaces { get; init; }

    /// <summary>
    /// Where pg_wal pointed when it was a symbolic link (initdb --waldir), as an absolute path; null when it was a folder.
    /// Untrusted like every manifest field: a restore checks it as it checks <c>--waldir</c>.
    /// </summary>
    public string? WalLink { get; init; }

    /// <summary>Every folder of the data directory (relative, '/'-separated), so empty ones are recreated.</summary>
    public required IReadOnlyList<ManifestDirectory> Directories { get; init; }

    public required IReadOnlyList<ManifestFile> Files { get; init; }

    /// <summary>Every WAL segment from <see cref="StartWal"/> to <see cref="StopWal"/>: what must be archived for the backup to be restorable.</summary>
    public IReadOnlyList<string> RequiredWalSegments() => WalFileName.SegmentRange(Timeline,
        WalFileName.Parse(StartWal).SegmentNumber(WalSegmentSize), WalFileName.Parse(StopWal).SegmentNumber(WalSegmentSize), WalSegmentSize);

    /// <summary>Pages whose checksum did not match while the backup read them (reported, not fatal).</summary>
    public IReadOnlyList<PageChecksumError> PageChecksumErrors { get; init; } = [];
}

/// <param name="Oid">The tablespace's OID (its link name under pg_tblspc).</param>
/// <param name="Name">spcname, for messages.</param>
/// <param name="Location">Absolute path the link pointed to when the backup ran.</param>
public sealed record ManifestTablespace(uint Oid, string Name, string Location);

/// <param name="Path">Relative to the data directory; tablespace folders appear under "pg_tblspc/&lt;oid&gt;/".</param>
/// <param name="Mode">Unix permission bits.</param>
public sealed record ManifestDirectory(string Path, int Mode);

/// <summary>One file of the data directory as the backup saw it.</summary>
public sealed record ManifestFile
{
    /// <summary>Relative to the data directory, '/'-separated; tablespace files under "pg_tblspc/&lt;oid&gt;/".</summary>
    public required string Path { get; init; }

    /// <summary>Plain size in bytes (what restore writes).</summary>
    public required long Size { get; init; }

    /// <summary>Modification time (Unix seconds) at the time of the backup.</summary>
    public required long ModifiedAt { get; init; }

    public required int Mode { get; init; }

    /// <summary>SHA-256 (lowercase hex) of the plain content.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Bytes stored in the repository for this file (0 when the content lives in another backup or the file is empty).</summary>
    public required long StoredSize { get; init; }

    /// <summary>Id of the backup whose folder holds the stored object; null means this backup.</summary>
    public string? Reference { get; init; }

    /// <summary>
    /// Set when the stored object is a page-level delta rather than the whole file: rebuild the file as it was in
    /// <see cref="ManifestDelta.Base"/>, then apply the delta. <see cref="Sha256"/> is still the hash of the whole rebuilt file.
    /// </summary>
    public ManifestDelta? Delta { get; init; }

    /// <summary>
    /// Main-fork relation files of a cluster whose hint bits are not WAL-logged: the first 8 bytes of the SHA-256 of
    /// every 8 KiB page, base64. The next diff/incr compares pages against it to decide what its delta holds.
    /// </summary>
    public string? BlockMap { get; init; }

    /// <summary>True when this backup's folder holds an object for this file.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsStoredHere => Reference is null && (Size > 0 || Delta is not null);
}

/// <param name="Base">Backup whose version of the file the delta applies to.</param>
/// <param name="Pages">Number of 8 KiB pages in the delta.</param>
/// <param name="Sha256">SHA-256 of the plain delta object (what <c>verify</c> checks without rebuilding).</param>
public sealed record ManifestDelta(string Base, int Pages, string Sha256);

/// <param name="Path">Relation file, relative to the data directory.</param>
/// <param name="Block">Block number within the relation (segment * 131072 + block in file).</param>
public sealed record PageChecksumError(string Path, uint Block, ushort Expected, ushort Found);
