namespace PgArk.Core.Restore;

public enum TargetAction
{
    Pause,
    Promote,
    Shutdown,
}

/// <param name="ArchiveGetCommand">
/// The restore_command written into the restored cluster, with PostgreSQL's %f and %p placeholders, e.g.
/// <c>'/usr/bin/pgark' --config '/etc/pgark/pgark.yaml' archive-get --server pg1 %f "%p"</c>.
/// </param>
/// <param name="TablespaceMap">Old tablespace location (or OID) → new location.</param>
/// <param name="Delta">Restore over an existing (stopped) data directory, rewriting only files whose content differs.</param>
/// <param name="Timeline">The timeline recovery follows (default latest).</param>
/// <param name="WalDirectory">Make pg_wal a link to this folder (as initdb --waldir does), instead of a folder in the data directory.</param>
/// <param name="RecreateWalLink">
/// Without <paramref name="WalDirectory"/>: recreate the pg_wal link the backup recorded, when that folder is free. Off for
/// sandboxes (their WAL stays inside) and for remote callers (a path read from the repository must not choose where they write).
/// </param>
/// <param name="CheckTablespaceLocations">
/// Called with every tablespace location the restore would write to (mapped or as the manifest records it), before any
/// file is touched; throws to refuse. Remote callers confine them like the data directory (RestoreTargetPolicy).
/// </param>
internal sealed record RestoreOptions(
    string DataDirectory,
    RestoreTarget Target,
    string ArchiveGetCommand,
    string? BackupId = null,
    TargetAction? TargetAction = null,
    IReadOnlyDictionary<string, string>? TablespaceMap = null,
    int Jobs = 0,
    bool Delta = false,
    TargetTimeline? Timeline = null,
    string? WalDirectory = null,
    bool RecreateWalLink = false,
    Action<IReadOnlyCollection<string>>? CheckTablespaceLocations = null)
{
    public int EffectiveJobs => Jobs > 0 ? Jobs : Environment.ProcessorCount;
}

/// <param name="Target">Where recovery stops, as the plan words it (e.g. "time 2026-11-21 10:30:00.000000 UTC").</param>
/// <param name="FilesRewritten">Files written (all of them, except in a delta restore).</param>
/// <param name="FilesRemoved">Delta restore: files and folders removed because the backup does not have them.</param>
/// <param name="SavedWalFolder">Delta restore: where WAL files not marked as archived were moved (null when there were none).</param>
public sealed record RestoreResult(string BackupId, string DataDirectory, string Target, int Files, long Bytes, double DurationSeconds,
    IReadOnlyList<string> RecoverySettings, int FilesRewritten = 0, long BytesRewritten = 0, int FilesRemoved = 0, bool Delta = false,
    string? SavedWalFolder = null)
{
    public double MegabytesPerSecond => DurationSeconds <= 0 ? 0 : Math.Round(Bytes / 1048576.0 / DurationSeconds, 1);
}
