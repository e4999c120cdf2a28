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
public sealed record RestoreOptions(
    string DataDirectory,
    RestoreTarget Target,
    string ArchiveGetCommand,
    string? BackupId = null,
    TargetAction? TargetAction = null,
    IReadOnlyDictionary<string, string>? TablespaceMap = null,
    int Jobs = 0)
{
    public int EffectiveJobs => Jobs > 0 ? Jobs : Environment.ProcessorCount;
}

public sealed record RestoreResult(string BackupId, string DataDirectory, RestoreTarget Target, int Files, long Bytes, double DurationSeconds,
    IReadOnlyList<string> RecoverySettings)
{
    public double MegabytesPerSecond => DurationSeconds <= 0 ? 0 : Bytes / 1048576.0 / DurationSeconds;
}
