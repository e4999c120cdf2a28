using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Restore;

/// <param name="Into">Restore into this new database and leave the live one alone (null: replace the live one in place).</param>
/// <param name="Replace">Drop the live database after the swap instead of keeping it as <c>&lt;db&gt;_before_restore_&lt;ts&gt;</c>.</param>
internal sealed record DatabaseRestoreRequest(string Database, RestoreTarget Target, string? Into = null, bool Replace = false);

/// <summary>What the repository holds for a server, as the planner needs it.</summary>
/// <param name="Wal">Archived WAL segments with the time each was stored.</param>
/// <param name="WalSource">Where the WAL comes from, for the plan's statement (repository name and location).</param>
internal sealed record RepositoryState(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<(WalFileName Name, DateTimeOffset ArchivedAt)> Wal,
    long WalSegmentSize, string WalSource);

/// <summary>
/// The restore planner: picks the backup (and its chain) and the WAL a database-level restore needs, and states the exact
/// recovery target. A target outside the recoverable window is refused with the nearest point that can be reached:
/// before the oldest backup, its end (the earliest consistent point); past the archived WAL, the latest point; beyond a
/// gap in the WAL, the last point before the gap. Pure: everything it knows comes in as arguments.
/// </summary>
internal static class DatabaseRestorePlanner
{
    public static DatabaseRestorePlan Plan(string server, DatabaseRestoreRequest request, RepositoryState state, bool liveExists, string stamp)
    {
        DatabaseNames.Validate(request.Database, "database name");
        if (request.Database is "template0" or "template1")
        {
            throw new UsageException($"'{request.Database}' is a template database; restore the databases made from it instead");
        }
        if (request.Into is not null)
        {
            DatabaseNames.Validate(request.Into, "--into database name");
            if (request.Replace)
            {
                throw new UsageException("--replace and --into exclude each other", "--into leaves the live database alone; --replace drops it");
            }
        }
        if (request.Target.Kind is not (RestoreTargetKind.Time or RestoreTargetKind.Latest))
        {
            throw new UsageException($"a database-level restore takes a target time or 'latest', not {request.Target}");
        }
        if (state.Backups.Count == 0)
        {
            throw new NotFoundException($"server '{server}' has no complete backup", $"take one with 'pgark backup --server {server} --type full'");
        }

        var ranges = WalRanges.Compute(state.Wal, state.WalSegmentSize);
        var restorable = state.Backups
            .Select(b => (Backup: b, Chain: Chain(b, state.Backups), Range: RecoverableWindows.Covering(ranges, b.Timeline, b.StartWal, b.StopWal)))
            .Where(c => c.Chain is not null && c.Range is not null)
            .OrderBy(c => c.Backup.StopTime)
            .ToList();
        if (restorable.Count == 0)
        {
            throw new IntegrityException($"no backup of server '{server}' can be restored: none has a complete chain and all the WAL up to its end",
                $"run 'pgark verify --server {server}' and take a new full backup");
        }

        var oldest = restorable[0];
        var windowFrom = oldest.Backup.StopTime;
        (BackupManifest Backup, IReadOnlyList<BackupManifest>? Chain, WalRange? Range) chosen;
        if (request.Target.Kind == RestoreTargetKind.Latest)
        {
            chosen = restorable[^1];
        }
        else
        {
            var time = request.Target.Time!.Value;
            if (time < windowFrom)
            {
                throw new RefusedException(
                    $"target {Format(time)} is before the oldest backup of server '{server}'; the earliest consistent point is {Format(windowFrom)} " +
                    $"(end of backup {oldest.Backup.Id}, LSN {oldest.Backup.StopLsn})",
                    $"use --target-time {Iso(windowFrom)} or later");
            }
            chosen = restorable.Last(c => c.Backup.StopTime <= time);
        }

        var range = chosen.Range!;
        // The same span info and the dashboard show; a backup later in the span may itself end after the last archive time.
        var span = RecoverableWindows.Spans(state.Backups.Select(BackupHeader.From).ToList(), ranges, state.WalSegmentSize).First(s => s.Range == range);
        var end = span.End;
        var endTime = span.Window.ToTime > chosen.Backup.StopTime ? span.Window.ToTime : chosen.Backup.StopTime;
        if (request.Target.Kind == RestoreTargetKind.Time && request.Target.Time!.Value > endTime)
        {
            var time = request.Target.Time!.Value;
            var afterGap = ranges.Any(r => r.Timeline == range.Timeline && string.CompareOrdinal(r.First, range.Last) > 0);
            if (afterGap && end == range)
            {
                var gap = WalRanges.Gaps(ranges, state.WalSegmentSize).First(g => g.FirstMissing.StartsWith(Prefix(range), StringComparison.Ordinal)
                    && string.CompareOrdinal(g.FirstMissing, range.Last) > 0);
                throw new RefusedException(
                    $"target {Format(time)} lies beyond a gap in the archived WAL of server '{server}' (missing {Segments(gap)}); " +
                    $"the last point before the gap is {Format(endTime)} (end of segment {range.Last})",
                    $"use --target-time {Iso(endTime)} or earlier, or take a new backup to restore from after the gap");
            }
            throw new RefusedException(
                $"target {Format(time)} is after the last archived WAL of server '{server}'; the latest reachable point is {Format(endTime)} " +
                $"(segment {end.Last})",
                $"use --target latest, or check that archive_command keeps up ('pgark check --server {server}')");
        }

        var backup = chosen.Backup;
        var walTo = request.Target.Kind == RestoreTargetKind.Latest ? end.Last : FirstClosedAfter(state.Wal, range, backup, request.Target.Time!.Value);
        var from = WalFileName.Parse(backup.StartWal).SegmentNumber(state.WalSegmentSize);
        var to = WalFileName.Parse(walTo).Timeline == backup.Timeline
            ? WalFileName.Parse(walTo).SegmentNumber(state.WalSegmentSize)
            : WalFileName.Parse(range.Last).SegmentNumber(state.WalSegmentSize);
        var settings = RecoverySettings.Build(new RestoreOptions("", request.Target, "", backup.Id, TargetAction.Promote), backup.Id).Skip(1).ToList();
        var into = request.Into ?? request.Database;
        var live = request.Into is not null ? $"left as it is ('{request.Database}' is not touched)"
            : !liveExists ? "does not exist on the live server: it is created"
            : request.Replace ? "dropped after the swap (--replace)"
            : $"kept as '{DatabaseNames.BeforeRestore(request.Database, stamp)}'";
        return new DatabaseRestorePlan(server, request.Database, into, request.Target.ToString(), request.Target.Time, settings,
            chosen.Chain!.Select(b => new PlannedBackup(b.Id, b.Type.ToString().ToLowerInvariant(), b.StopTime, b.StopLsn)).ToList(),
            backup.Timeline, backup.StartWal, walTo, (int)(to - from + 1), state.WalSource, windowFrom, endTime, backup.Size, live, stamp,
            Steps(request, into, liveExists, stamp));
    }

    private static List<string> Steps(DatabaseRestoreRequest request, string into, bool liveExists, string stamp)
    {
        var restoring = DatabaseNames.Restoring(into, stamp);
        var steps = new List<string>
        {
            "restore the backup chain into a sandbox data directory and start it on a free port (archive_mode off)",
            "replay WAL to the target, promote, and check the point reached",
            $"pg_dump '{request.Database}' from the sandbox (directory format, --jobs) and pg_restore it (--jobs) into the new database '{restoring}' " +
                "on the live server (same owner, encoding and locale)",
        };
        if (request.Into is not null)
        {
            steps.Add($"rename '{restoring}' to '{into}' (must not exist); '{request.Database}' is not touched");
        }
        else if (liveExists)
        {
            var before = DatabaseNames.BeforeRestore(request.Database, stamp);
            steps.Add($"block new connections to '{request.Database}', end its sessions, rename it to '{before}' and '{restoring}' to '{request.Database}' in one transaction");
            if (request.Replace)
            {
                steps.Add($"drop '{before}'");
            }
        }
        else
        {
            steps.Add($"rename '{restoring}' to '{request.Database}'");
        }
        steps.Add("stop and delete the sandbox (always, also on failure; on failure the half-restored copy is dropped)");
        return steps;
    }

    /// <summary>The backup and its ancestors, full first; null when an ancestor is missing.</summary>
    private static List<BackupManifest>? Chain(BackupManifest backup, IReadOnlyList<BackupManifest> all)
    {
        var chain = new List<BackupManifest>();
        for (var current = backup; current is not null;)
        {
            chain.Add(current);
            if (current.Parent is null)
            {
                chain.Reverse();
                return chain;
            }
            var parent = current.Parent;
            current = all.FirstOrDefault(b => b.Id == parent);
            if (current is null || chain.Contains(current))
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// The first segment of the range, from the backup's end on, that was stored at or after the target: it was still
    /// being written at the target time, so the commit that stops recovery is in it (or in an earlier one).
    /// </summary>
    private static string FirstClosedAfter(IReadOnlyList<(WalFileName Name, DateTimeOffset ArchivedAt)> wal, WalRange range, BackupManifest backup,
        DateTimeOffset time) =>
        wal.Where(w => w.Name.Kind == WalFileKind.Segment && w.Name.Timeline == range.Timeline
                && string.CompareOrdinal(w.Name.Name, backup.StopWal) >= 0 && string.CompareOrdinal(w.Name.Name, range.Last) <= 0
                && w.ArchivedAt >= time)
            .Select(w => w.Name.Name)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault() ?? range.Last;

    private static string Prefix(WalRange range) => range.First[..8];

    private static string Segments((string FirstMissing, string LastMissing) gap) =>
        gap.FirstMissing == gap.LastMissing ? $"segment {gap.FirstMissing}" : $"segments {gap.FirstMissing} to {gap.LastMissing}";

    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + " UTC";

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
