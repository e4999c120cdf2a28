using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Core.Restore;

/// <summary>
/// Chooses the backup a restore starts from: the newest one that ended before the target, so the least WAL is
/// replayed. A backup that ends after the target cannot reach it (recovery cannot stop before consistency).
/// </summary>
internal static class RestorePlanner
{
    public static BackupManifest ChooseBackup(string server, IReadOnlyList<BackupManifest> backups, RestoreTarget target, string? requestedId)
    {
        if (backups.Count == 0)
        {
            throw new NotFoundException($"server '{server}' has no complete backup", $"take one with 'pgark backup --server {server} --type full'");
        }
        if (requestedId is not null)
        {
            var id = BackupId.Parse(requestedId).Value;
            var chosen = backups.FirstOrDefault(b => b.Id == id)
                ?? throw new NotFoundException($"backup '{id}' of server '{server}' not found", "see 'pgark info' for the backups");
            if (!EndsBefore(chosen, target))
            {
                throw new UsageException($"backup {chosen.Id} ended after the target {target} and cannot be recovered to it",
                    "omit --backup to let pgark choose, or pick an older backup");
            }
            return chosen;
        }
        var candidate = backups.Where(b => EndsBefore(b, target)).MaxBy(b => b.StopTime);
        if (candidate is null)
        {
            var oldest = backups.MinBy(b => b.StopTime)!;
            throw new NotFoundException(
                $"no backup of server '{server}' ended before the target {target}; the oldest backup, {oldest.Id}, ended at {oldest.StopTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (LSN {oldest.StopLsn})",
                "choose a later target");
        }
        return candidate;
    }

    /// <summary>True when recovery from <paramref name="backup"/> can stop at <paramref name="target"/>.</summary>
    public static bool EndsBefore(BackupManifest backup, RestoreTarget target) => target.Kind switch
    {
        RestoreTargetKind.Time => backup.StopTime <= target.Time!.Value,
        RestoreTargetKind.Lsn => Lsn.Parse(backup.StopLsn) <= target.Lsn!.Value,
        // An xid not yet assigned when the backup stopped certainly commits after the backup is consistent.
        RestoreTargetKind.Xid => backup.StopNextXid is { } next && next <= target.Xid!.Value,
        // Restore points cannot be located without reading WAL: the newest backup is used unless --backup says otherwise.
        _ => true,
    };
}
