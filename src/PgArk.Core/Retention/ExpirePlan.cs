using PgArk.Core.Catalog;
using PgArk.Core.Wal;

namespace PgArk.Core.Retention;

/// <summary>A backup retention removes, and why.</summary>
/// <param name="StoredSize">Bytes the backup's own folder holds (manifest's StoredSize).</param>
public sealed record ExpiredBackup(string Id, BackupType Type, string Reason, long StoredSize);

/// <summary>Where kept WAL starts on one timeline: every segment of this timeline from <paramref name="FirstKept"/> on is kept.</summary>
/// <param name="Backup">The oldest kept backup on the timeline, which sets the bound.</param>
public sealed record WalKeepBound(uint Timeline, string FirstKept, string Backup);

/// <summary>
/// What <c>expire</c> removes: backups (oldest first, each with its reason) and WAL files, with counts and bytes.
/// Produced by <see cref="RetentionPlanner.Plan"/>; nothing in it has been done yet.
/// </summary>
/// <param name="KeptBackups">Ids of the backups that stay, oldest first.</param>
/// <param name="WalFiles">Archived files to remove, in name order.</param>
/// <param name="WalRanges">The removed segments as contiguous ranges per timeline (for display).</param>
/// <param name="WalBounds">Per timeline of a kept backup, the first segment kept because a kept backup needs it.</param>
/// <param name="WalKeptByAge">Files older than the kept backups that stay only because of <c>archiveDays</c>.</param>
public sealed record ExpirePlan(
    IReadOnlyList<ExpiredBackup> Backups,
    IReadOnlyList<string> KeptBackups,
    IReadOnlyList<RetentionWalFile> WalFiles,
    IReadOnlyList<WalRange> WalRanges,
    IReadOnlyList<WalKeepBound> WalBounds,
    int WalKeptByAge)
{
    public long BackupBytes => Backups.Sum(b => b.StoredSize);
    public long WalBytes => WalFiles.Sum(w => w.Size);
    public bool IsEmpty => Backups.Count == 0 && WalFiles.Count == 0;
}
