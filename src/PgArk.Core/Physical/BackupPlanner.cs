using PgArk.Core.Catalog;
using PgArk.Core.Postgres;

namespace PgArk.Core.Physical;

/// <summary>What kind of backup to take and what it builds on.</summary>
/// <param name="FallbackReason">Why a requested diff/incr became a full backup (said in the output), or null.</param>
internal sealed record BackupPlan(BackupType Type, BackupManifest? Parent, string? FallbackReason);

/// <summary>
/// Chooses the parent of a differential (the newest full backup) or incremental (the newest backup of any type). Falls
/// back to a full backup when there is nothing safe to build on: no full backup, or the cluster's WAL history no longer
/// continues from the parent (another timeline, or an LSN behind the parent's end — e.g. after a point-in-time restore),
/// because page LSNs would then not tell which pages changed.
/// </summary>
internal static class BackupPlanner
{
    public static BackupPlan Plan(BackupType requested, IReadOnlyList<BackupManifest> backups, ulong systemIdentifier, uint timeline, Lsn currentLsn)
    {
        if (requested == BackupType.Full)
        {
            return new BackupPlan(BackupType.Full, null, null);
        }
        var name = requested.ToString().ToLowerInvariant();
        var full = backups.Where(b => b.Type == BackupType.Full).MaxBy(b => b.StopTime);
        if (full is null)
        {
            return new BackupPlan(BackupType.Full, null, $"no full backup exists: taking a full backup instead of {name}");
        }
        var parent = requested == BackupType.Diff ? full : backups.Where(b => string.CompareOrdinal(b.Id, full.Id) >= 0).MaxBy(b => b.StopTime)!;
        if (parent.SystemIdentifier != systemIdentifier)
        {
            return new BackupPlan(BackupType.Full, null, $"backup {parent.Id} is of another cluster: taking a full backup instead of {name}");
        }
        if (parent.Timeline != timeline)
        {
            return new BackupPlan(BackupType.Full, null,
                $"the cluster moved from timeline {parent.Timeline} to {timeline} since backup {parent.Id}: taking a full backup instead of {name}");
        }
        if (currentLsn < Lsn.Parse(parent.StopLsn))
        {
            return new BackupPlan(BackupType.Full, null,
                $"the cluster's WAL position {currentLsn} is behind the end of backup {parent.Id} ({parent.StopLsn}): taking a full backup instead of {name}");
        }
        return new BackupPlan(requested, parent, null);
    }
}
