using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Streaming;

namespace PgArk.Tests.Streaming;

/// <summary>The streamer follows a timeline switch from the server's history file: its lines must be read exactly.</summary>
public sealed class TimelineHistoryTests
{
    [Fact]
    public void ParseTimelineHistory_ReadsEverySwitch_SkipsCommentsAndBlankLines()
    {
        const string content = "# comment\n1\t0/5000060\tno recovery target specified\n\n2\t0/A0000D8\tbefore 2026-12-04 16:00:00+00\n";

        var entries = WalStreamer.ParseTimelineHistory(content);

        Assert.Equal([(1u, Lsn.Parse("0/5000060")), (2u, Lsn.Parse("0/A0000D8"))], entries);
    }

    [Theory]
    [InlineData("1\n")]
    [InlineData("x\t0/5000060\treason\n")]
    [InlineData("1\tnot-an-lsn\treason\n")]
    public void ParseTimelineHistory_MalformedLine_IsAnIntegrityFailure(string content) =>
        Assert.Throws<IntegrityException>(() => WalStreamer.ParseTimelineHistory(content));
}
