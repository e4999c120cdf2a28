using PgArk.Core.Postgres;
using PgArk.Core.Wal;

namespace PgArk.Tests.Wal;

public class WalRangesTests
{
    private const long SegmentSize = 16 * 1024 * 1024;
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static (WalFileName, DateTimeOffset) Seg(uint timeline, ulong number, int minutes = 0) =>
        (WalFileName.Parse(WalFileName.SegmentFileName(timeline, number, SegmentSize)), s_t0.AddMinutes(minutes));

    [Fact]
    public void Compute_ContiguousSegments_OneRange()
    {
        var ranges = WalRanges.Compute([Seg(1, 1), Seg(1, 2), Seg(1, 3, 5)], SegmentSize);
        var range = Assert.Single(ranges);
        Assert.Equal("000000010000000000000001", range.First);
        Assert.Equal("000000010000000000000003", range.Last);
        Assert.Equal(3, range.Segments);
        Assert.Equal(s_t0.AddMinutes(5), range.LastArchivedAt);
    }

    [Fact]
    public void Compute_GapAndTimelines_SplitsRanges_AndListsGap()
    {
        var files = new[] { Seg(1, 1), Seg(1, 2), Seg(1, 5), Seg(2, 5), Seg(2, 6) }
            .Append((WalFileName.Parse("00000002.history"), s_t0))
            .Append((WalFileName.Parse("000000010000000000000005.partial"), s_t0));
        var ranges = WalRanges.Compute(files, SegmentSize);
        Assert.Equal(3, ranges.Count);
        Assert.Equal([1u, 1u, 2u], ranges.Select(r => r.Timeline));
        var gap = Assert.Single(WalRanges.Gaps(ranges, SegmentSize));
        Assert.Equal(("000000010000000000000003", "000000010000000000000004"), gap);
    }

    [Fact]
    public void Compute_CrossesLogIdBoundary_StaysContiguous()
    {
        var ranges = WalRanges.Compute([Seg(1, 255), Seg(1, 256)], SegmentSize);
        var range = Assert.Single(ranges);
        Assert.Equal("0000000100000000000000FF", range.First);
        Assert.Equal("000000010000000100000000", range.Last);
    }
}
