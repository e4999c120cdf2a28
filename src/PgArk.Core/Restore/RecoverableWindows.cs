using PgArk.Core.Catalog;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Core.Restore;

/// <summary>
/// A span a server can be recovered to: from the end of the oldest restorable backup in it (the point the backup is
/// consistent at) to the end of the archived WAL that continues from that backup without a gap. <see cref="ToTime"/> is
/// when the last segment was archived (its commits are no later), never before <see cref="FromTime"/>.
/// </summary>
public sealed record RecoverableWindow(DateTimeOffset FromTime, string FromLsn, string FromBackup, DateTimeOffset ToTime, string ToWal);

/// <summary>
/// The recoverable window of a server, computed once for every front end (info, the dashboard's timeline, the restore
/// planner): one span per run of continuous archived WAL that holds a restorable backup, oldest first; a WAL gap ends a
/// span, and a later backup after the gap starts the next one. Pure: everything it knows comes in as arguments.
/// </summary>
internal static class RecoverableWindows
{
    /// <summary>A span with the WAL range its backups lie in (the planner needs the range; listings only the span).</summary>
    public sealed record Span(RecoverableWindow Window, WalRange Range, WalRange End);

    public static IReadOnlyList<RecoverableWindow> Compute(IReadOnlyList<BackupHeader> backups, IReadOnlyList<WalRange> ranges, long walSegmentSize) =>
        Spans(backups, ranges, walSegmentSize).Select(s => s.Window).ToList();

    public static IReadOnlyList<Span> Spans(IReadOnlyList<BackupHeader> backups, IReadOnlyList<WalRange> ranges, long walSegmentSize)
    {
        var spans = new List<Span>();
        var byId = new Dictionary<string, BackupHeader>(StringComparer.Ordinal);
        foreach (var backup in backups)
        {
            byId.TryAdd(backup.Id, backup);
        }
        var restorable = backups
            .Where(b => HasChain(b, byId))
            .Select(b => (Backup: b, Range: Covering(ranges, b.Timeline, b.StartWal, b.StopWal)))
            .Where(b => b.Range is not null)
            .OrderBy(b => b.Backup.StopTime);
        foreach (var group in restorable.GroupBy(b => b.Range!))
        {
            // The oldest backup of the run is its earliest consistent point; later ones in the same run add nothing to the span.
            var first = group.First().Backup;
            var range = group.Key!;
            var end = End(ranges, range, walSegmentSize);
            // The backup's stop time is taken after its last segment was archived and the repository synced, so the
            // archive time of that segment (or of one stored during the upload) is earlier: the span then holds just
            // the backup's own consistent point, it is not inverted.
            var to = end.LastArchivedAt > first.StopTime ? end.LastArchivedAt : first.StopTime;
            spans.Add(new Span(new RecoverableWindow(first.StopTime, first.StopLsn, first.Id, to, end.Last), range, end));
        }
        return spans.OrderBy(s => s.Window.FromTime).ToList();
    }

    /// <summary>The range on the backup's timeline holding every segment from its start to its stop, or null.</summary>
    public static WalRange? Covering(IReadOnlyList<WalRange> ranges, uint timeline, string startWal, string stopWal) =>
        ranges.FirstOrDefault(r => r.Timeline == timeline
            && string.CompareOrdinal(r.First, startWal) <= 0 && string.CompareOrdinal(r.Last, stopWal) >= 0);

    /// <summary>
    /// Where archived WAL continuing <paramref name="range"/> ends: recovery follows the newest timeline, so a range of a
    /// later timeline that starts inside this one (or right after it) continues it; otherwise the range's own end.
    /// </summary>
    public static WalRange End(IReadOnlyList<WalRange> ranges, WalRange range, long walSegmentSize)
    {
        var current = range;
        while (true)
        {
            var first = Number(current.First, walSegmentSize);
            var last = Number(current.Last, walSegmentSize);
            var next = ranges
                .Where(r => r.Timeline > current.Timeline)
                .Where(r => Number(r.First, walSegmentSize) >= first && Number(r.First, walSegmentSize) <= last + 1)
                .MaxBy(r => r.Timeline);
            if (next is null)
            {
                return current;
            }
            current = next;
        }
    }

    /// <summary>Every ancestor of the backup is present (an incremental whose full is gone cannot be restored).</summary>
    private static bool HasChain(BackupHeader backup, Dictionary<string, BackupHeader> byId)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = backup; current is not null && seen.Add(current.Id);)
        {
            if (current.Parent is null)
            {
                return true;
            }
            current = byId.GetValueOrDefault(current.Parent);
        }
        return false;
    }

    private static ulong Number(string segment, long walSegmentSize) => WalFileName.Parse(segment).SegmentNumber(walSegmentSize);
}
