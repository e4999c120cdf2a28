using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Tests.Wal;

public class WalFileNameTests
{
    private const long SegmentSize = 16 * 1024 * 1024;

    [Theory]
    [InlineData("000000010000000000000001", WalFileKind.Segment, 1u, 0u, 1u)]
    [InlineData("0000000200000003000000FF", WalFileKind.Segment, 2u, 3u, 255u)]
    [InlineData("000000020000000000000005.partial", WalFileKind.Partial, 2u, 0u, 5u)]
    [InlineData("00000002.history", WalFileKind.History, 2u, 0u, 0u)]
    [InlineData("000000010000000000000002.00000028.backup", WalFileKind.Backup, 1u, 0u, 2u)]
    public void Parse_KnownKinds(string name, WalFileKind kind, uint timeline, uint log, uint segment)
    {
        var parsed = WalFileName.Parse(name);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(timeline, parsed.Timeline);
        Assert.Equal(log, parsed.LogId);
        Assert.Equal(segment, parsed.SegmentInLog);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("00000001000000000000000")]
    [InlineData("000000010000000000000001/x")]
    [InlineData("00000001000000000000000g")]
    [InlineData("000000000000000000000001")]
    [InlineData("000000010000000000000001.tmp")]
    [InlineData("00000001.history.x")]
    [InlineData("archive_status")]
    public void Parse_Rejects_AnythingElse(string name)
    {
        Assert.False(WalFileName.TryParse(name, out _));
        Assert.Throws<UsageException>(() => WalFileName.Parse(name));
    }

    [Fact]
    public void SegmentFileName_FromLsn_MatchesPgWalfileName()
    {
        // pg_walfile_name('16/B374D848') on timeline 1 with 16 MB segments.
        Assert.Equal("0000000100000016000000B3", WalFileName.SegmentFileName(1, Lsn.Parse("16/B374D848"), SegmentSize));
    }

    [Fact]
    public void SegmentNumber_RoundTripsThroughName()
    {
        var name = WalFileName.SegmentFileName(3, 0x1234UL, SegmentSize);
        Assert.Equal(0x1234UL, WalFileName.Parse(name).SegmentNumber(SegmentSize));
    }

    [Fact]
    public void SegmentNumber_64MbSegments_UsesFewerSegmentsPerLog()
    {
        const long size = 64 * 1024 * 1024;
        Assert.Equal(64UL, WalFileName.SegmentsPerLogId(size));
        Assert.Equal("000000010000000100000003", WalFileName.SegmentFileName(1, 64 + 3, size));
    }
}
