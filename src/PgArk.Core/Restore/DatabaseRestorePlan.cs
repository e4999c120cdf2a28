namespace PgArk.Core.Restore;

/// <summary>One backup of the chain a database-level restore starts from (full first, then diff/incr).</summary>
public sealed record PlannedBackup(string Id, string Type, DateTimeOffset StopTime, string StopLsn);

/// <summary>
/// What a database-level point-in-time restore will do, stated before it does anything (and all that <c>--dry-run</c>
/// prints). WAL is replayed from <see cref="WalFrom"/>; <see cref="WalTo"/> is the first archived segment closed after the
/// target, i.e. where recovery is expected to find the commit that ends it (it reads no further than that segment).
/// </summary>
/// <param name="Target">Human-readable target, e.g. "time 2026-11-21 10:30:00.000000 UTC" or "latest (end of archived WAL)".</param>
/// <param name="TargetTime">The target time, or null for latest.</param>
/// <param name="RecoverySettings">The exact recovery settings the sandbox is started with (restore_command aside).</param>
/// <param name="Chain">The backup to restore and the backups it builds on, oldest (full) first; the last one is restored.</param>
/// <param name="WalSegments">Segments from <see cref="WalFrom"/> to <see cref="WalTo"/> inclusive (on one timeline; later timelines add theirs).</param>
/// <param name="WalSource">Repository name and location the sandbox fetches WAL from (through archive-get).</param>
/// <param name="WindowFrom">Earliest point the server can be recovered to: the end of its oldest restorable backup.</param>
/// <param name="WindowTo">Latest point: when the last archived segment continuing that backup was stored.</param>
/// <param name="Stamp">UTC time (yyyyMMddHHmmss) in the names of the databases the restore creates.</param>
/// <param name="LiveDatabase">What happens to the live database (kept as a copy, dropped, left alone, or absent).</param>
public sealed record DatabaseRestorePlan(
    string Server,
    string Database,
    string Into,
    string Target,
    DateTimeOffset? TargetTime,
    IReadOnlyList<string> RecoverySettings,
    IReadOnlyList<PlannedBackup> Chain,
    uint Timeline,
    string WalFrom,
    string WalTo,
    int WalSegments,
    string WalSource,
    DateTimeOffset WindowFrom,
    DateTimeOffset WindowTo,
    long RestoreBytes,
    string LiveDatabase,
    string Stamp,
    IReadOnlyList<string> Steps)
{
    public PlannedBackup Backup => Chain[^1];
}
