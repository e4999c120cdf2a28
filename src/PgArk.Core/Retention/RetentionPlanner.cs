using System.Globalization;
using PgArk.Core.Catalog;
using PgArk.Core.Errors;
using PgArk.Core.Configuration;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Retention;

/// <summary>
/// Decides what retention removes. A pure function of a catalog snapshot, the options and the current time; the rules
/// are documented in docs/configuration.md ("Retention semantics"):
/// <list type="number">
/// <item>Full backups: when <c>full</c> or a calendar rule (<c>daily</c>/<c>weekly</c>/<c>monthly</c>) is set, a full
/// backup is kept when any of them selects it (the N newest; the newest of each of the last N days/weeks/months that have
/// one); every other full backup expires.</item>
/// <item>Differential backups: with <c>diff: N</c>, the N newest differentials that have not already expired are kept;
/// older ones expire.</item>
/// <item>Dependencies: a backup whose Parent chain (or a file <c>Reference</c> or delta base) reaches an expired backup expires with it.
/// Hence nothing a kept backup depends on is ever removed.</item>
/// <item>WAL: history files are always kept. A segment (or .partial/.backup file) on timeline T is kept when some kept
/// backup B has B.Timeline == T and the segment is at or after B.StartWal, or B.Timeline &lt; T; or when it was archived
/// within the last <c>archiveDays</c> days. With no backup at all, or no retention key set (other than
/// <c>logicalDays</c>), no WAL is removed.</item>
/// </list>
/// </summary>
internal static class RetentionPlanner
{
    public static ExpirePlan Plan(RetentionCatalog catalog, RetentionOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        var backups = catalog.Backups.OrderBy(b => b.Id, StringComparer.Ordinal).ToList();
        CheckIdsAreBelievable(backups, now);
        var expired = new Dictionary<string, string>(StringComparer.Ordinal);

        if (options.ExpiresFullBackups)
        {
            var fulls = backups.Where(b => b.Type == BackupType.Full).ToList();
            var keep = KeptFullBackups(fulls, options);
            foreach (var full in fulls.Where(f => !keep.Contains(f.Id)))
            {
                expired[full.Id] = FullReason(options);
            }
            ExpireDependents(backups, expired);
        }

        if (options.Diff is { } diffCount)
        {
            var diffs = backups.Where(b => b.Type == BackupType.Diff && !expired.ContainsKey(b.Id)).ToList();
            foreach (var diff in diffs.Take(Math.Max(0, diffs.Count - diffCount)))
            {
                expired[diff.Id] = $"differential older than the {diffCount} newest differential backups (retention.diff: {diffCount})";
            }
            ExpireDependents(backups, expired);
        }

        var kept = backups.Where(b => !expired.ContainsKey(b.Id)).ToList();
        var (walToRemove, bounds, keptByAge) = PlanWal(catalog, kept, options, now);
        return new ExpirePlan(
            backups.Where(b => expired.ContainsKey(b.Id)).Select(b => new ExpiredBackup(b.Id, b.Type, expired[b.Id], b.StoredSize)).ToList(),
            kept.Select(b => b.Id).ToList(),
            walToRemove,
            WalRanges.Compute(walToRemove.Select(w => (w.Name, w.ArchivedAt)), catalog.WalSegmentSize),
            bounds,
            keptByAge);
    }

    /// <summary>
    /// Ids of the backups <paramref name="backup"/> needs directly: its parent, the backups holding its referenced files and
    /// the bases of its page deltas.
    /// </summary>
    public static IEnumerable<string> Dependencies(BackupManifest backup)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (backup.Parent is { } parent)
        {
            result.Add(parent);
        }
        foreach (var file in backup.Files)
        {
            if (file.Reference is { } reference && reference != backup.Id)
            {
                result.Add(reference);
            }
            if (file.Delta is { Base: var deltaBase } && deltaBase != backup.Id)
            {
                result.Add(deltaBase);
            }
        }
        return result;
    }

    /// <summary>How far a backup id may be ahead of this host's clock (another host's skew) before it is distrusted.</summary>
    internal static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromHours(1);

    /// <summary>
    /// Retention keeps the newest backups by id, so ids decide what is deleted. An id dated in the future, or one that does
    /// not say the manifest's type and start time (the id is the start time, or a few seconds later when two backups
    /// collide), can only be forged or copied: expire refuses rather than letting it push real backups out.
    /// </summary>
    private static void CheckIdsAreBelievable(List<BackupManifest> backups, DateTimeOffset now)
    {
        foreach (var backup in backups)
        {
            var idTime = DateTimeOffset.ParseExact(backup.Id[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            string? why = null;
            if (idTime > now + ClockSkewAllowance)
            {
                why = $"it is dated {idTime:u}, in the future";
            }
            else if (backup.Id[^1] != BackupId.TypeLetter(backup.Type))
            {
                why = $"its id says type '{backup.Id[^1]}' but the manifest says {backup.Type.ToString().ToLowerInvariant()}";
            }
            else if (idTime < backup.StartTime.AddSeconds(-1) || idTime > backup.StartTime.AddMinutes(1))
            {
                why = $"its id does not match its start time {backup.StartTime:u}";
            }
            if (why is not null)
            {
                throw new IntegrityException($"refusing to apply retention: backup '{backup.Id}' cannot be trusted ({why})",
                    "a manifest was forged or copied: move that backup folder out of the repository, then run 'pgark verify'");
            }
        }
    }

    private static HashSet<string> KeptFullBackups(List<BackupManifest> fullsOldestFirst, RetentionOptions options)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (options.Full is { } count)
        {
            keep.UnionWith(fullsOldestFirst.TakeLast(count).Select(f => f.Id));
        }
        KeepNewestPerBucket(fullsOldestFirst, options.Daily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), keep);
        KeepNewestPerBucket(fullsOldestFirst, options.Weekly,
            t => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(t):D4}-W{ISOWeek.GetWeekOfYear(t):D2}"), keep);
        KeepNewestPerBucket(fullsOldestFirst, options.Monthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), keep);
        return keep;
    }

    /// <summary>The newest full backup (by start time, UTC) of each of the <paramref name="buckets"/> newest buckets that hold one.</summary>
    private static void KeepNewestPerBucket(List<BackupManifest> fulls, int? buckets, Func<DateTime, string> key, HashSet<string> keep)
    {
        if (buckets is not { } count)
        {
            return;
        }
        var newestPerBucket = fulls
            .GroupBy(f => key(f.StartTime.UtcDateTime))
            .Select(g => g.MaxBy(f => f.Id, StringComparer.Ordinal)!)
            .OrderByDescending(f => f.Id, StringComparer.Ordinal)
            .Take(count);
        keep.UnionWith(newestPerBucket.Select(f => f.Id));
    }

    private static string FullReason(RetentionOptions options)
    {
        var rules = new List<string>();
        if (options.Full is { } full)
        {
            rules.Add($"the {full} newest full backups (retention.full: {full})");
        }
        if (options.Daily is { } daily)
        {
            rules.Add($"the newest of the last {daily} days with a full backup (retention.daily: {daily})");
        }
        if (options.Weekly is { } weekly)
        {
            rules.Add($"the newest of the last {weekly} weeks with a full backup (retention.weekly: {weekly})");
        }
        if (options.Monthly is { } monthly)
        {
            rules.Add($"the newest of the last {monthly} months with a full backup (retention.monthly: {monthly})");
        }
        return "full backup not among " + string.Join(" nor ", rules);
    }

    /// <summary>Adds every backup whose dependencies reach an expired backup, until nothing changes.</summary>
    private static void ExpireDependents(List<BackupManifest> backups, Dictionary<string, string> expired)
    {
        bool changed;
        do
        {
            changed = false;
            foreach (var backup in backups)
            {
                if (expired.ContainsKey(backup.Id))
                {
                    continue;
                }
                var gone = Dependencies(backup).FirstOrDefault(expired.ContainsKey);
                if (gone is not null)
                {
                    expired[backup.Id] = $"depends on expired backup {gone}";
                    changed = true;
                }
            }
        }
        while (changed);
    }

    private static (List<RetentionWalFile> Remove, List<WalKeepBound> Bounds, int KeptByAge) PlanWal(RetentionCatalog catalog,
        List<BackupManifest> kept, RetentionOptions options, DateTimeOffset now)
    {
        var segmentSize = catalog.WalSegmentSize;
        // The oldest kept backup per timeline sets where that timeline's kept WAL starts.
        var bounds = kept
            .GroupBy(b => b.Timeline)
            .Select(g => g.MinBy(b => WalFileName.Parse(b.StartWal).SegmentNumber(segmentSize))!)
            .Select(b => new WalKeepBound(b.Timeline, b.StartWal, b.Id))
            .OrderBy(b => b.Timeline)
            .ToList();
        var anyRule = options.ExpiresFullBackups || options.Diff is not null || options.ArchiveDays is not null;
        if (bounds.Count == 0 || !anyRule)
        {
            return ([], bounds, 0);
        }
        var lowestTimeline = bounds[0].Timeline;
        var firstKept = bounds.ToDictionary(b => b.Timeline, b => WalFileName.Parse(b.FirstKept).SegmentNumber(segmentSize));
        DateTimeOffset? ageLimit = options.ArchiveDays is { } days ? now - TimeSpan.FromDays(days) : null;

        var remove = new List<RetentionWalFile>();
        var keptByAge = 0;
        foreach (var file in catalog.Wal.OrderBy(w => w.Name.Name, StringComparer.Ordinal))
        {
            if (file.Name.Kind == WalFileKind.History || NeededByKeptBackup(file.Name, lowestTimeline, firstKept, segmentSize))
            {
                continue;
            }
            if (ageLimit is { } limit && file.ArchivedAt >= limit)
            {
                keptByAge++;
                continue;
            }
            remove.Add(file);
        }
        return (remove, bounds, keptByAge);
    }

    private static bool NeededByKeptBackup(WalFileName name, uint lowestTimeline, Dictionary<uint, ulong> firstKept, long segmentSize)
    {
        if (name.Timeline < lowestTimeline)
        {
            return false;
        }
        // A later timeline than some kept backup's: recovery from that backup may follow it.
        if (firstKept.Keys.Any(t => t < name.Timeline))
        {
            return true;
        }
        return firstKept.TryGetValue(name.Timeline, out var first) && name.SegmentNumber(segmentSize) >= first;
    }
}
