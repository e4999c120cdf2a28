using PgArk.Core.Postgres;
namespace PgArk.Core.Wal;

/// <summary>A run of consecutive archived segments on one timeline (inclusive bounds).</summary>
public sealed record WalRange(uint Timeline, string First, string Last, int Segments, DateTimeOffset LastArchivedAt);

/// <summary>Groups archived segments into contiguous ranges per timeline; a gap starts a new range.</summary>
internal static class WalRanges
{
    public static IReadOnlyList<WalRange> Compute(IEnumerable<(WalFileName Name, DateTimeOffset ArchivedAt)> files, long walSegmentSize)
    {
        var ranges = new List<WalRange>();
        foreach (var timeline in files.Where(f => f.Name.Kind == WalFileKind.Segment).GroupBy(f => f.Name.Timeline).OrderBy(g => g.Key))
        {
            var segments = timeline
                .GroupBy(f => f.Name.SegmentNumber(walSegmentSize))
                .Select(g => (Number: g.Key, Name: g.First().Name, ArchivedAt: g.Max(x => x.ArchivedAt)))
                .OrderBy(s => s.Number)
                .ToList();
            var start = 0;
            for (var i = 1; i <= segments.Count; i++)
            {
                if (i == segments.Count || segments[i].Number != segments[i - 1].Number + 1)
                {
                    ranges.Add(new WalRange(timeline.Key, segments[start].Name.Name, segments[i - 1].Name.Name, i - start,
                        segments.Skip(start).Take(i - start).Max(s => s.ArchivedAt)));
                    start = i;
                }
            }
        }
        return ranges;
    }

    /// <summary>Missing segments between the ranges of each timeline, as (first missing, last missing).</summary>
    public static IReadOnlyList<(string FirstMissing, string LastMissing)> Gaps(IReadOnlyList<WalRange> ranges, long walSegmentSize)
    {
        var gaps = new List<(string, string)>();
        foreach (var timeline in ranges.GroupBy(r => r.Timeline))
        {
            var ordered = timeline.OrderBy(r => r.First, StringComparer.Ordinal).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var after = WalFileName.Parse(ordered[i - 1].Last).SegmentNumber(walSegmentSize) + 1;
                var before = WalFileName.Parse(ordered[i].First).SegmentNumber(walSegmentSize) - 1;
                gaps.Add((WalFileName.SegmentFileName(timeline.Key, after, walSegmentSize), WalFileName.SegmentFileName(timeline.Key, before, walSegmentSize)));
            }
        }
        return gaps;
    }
}
