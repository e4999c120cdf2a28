using PgArk.Core.Errors;
using PgArk.Core.Restore;

namespace PgArk.Tests.Restore;

public class RestoreTargetTests
{
    [Theory]
    [InlineData("2026-11-21T10:30:00Z", "2026-11-21T10:30:00.0000000+00:00")]
    [InlineData("2026-11-21 10:30:00+02", "2026-11-21T08:30:00.0000000+00:00")]
    [InlineData("2026-11-21 10:30:00.123456+00", "2026-11-21T10:30:00.1234560+00:00")]
    [InlineData("2026-11-21 10:30:00", "2026-11-21T10:30:00.0000000+00:00")]
    [InlineData("2026-11-21T10:30:00-05:00", "2026-11-21T15:30:00.0000000+00:00")]
    public void ParseTime_AcceptsIsoAndPostgresFormats(string text, string expectedUtc)
    {
        Assert.Equal(expectedUtc, RestoreTarget.ParseTime(text).ToUniversalTime().ToString("o"));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-45 10:00")]
    [InlineData("10:30")]
    [InlineData("")]
    public void ParseTime_Malformed_ThrowsUsage(string text)
    {
        var ex = Assert.Throws<UsageException>(() => RestoreTarget.ParseTime(text));
        Assert.Equal($"'{text}' is not a valid timestamp", ex.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("abc")]
    public void ParseXid_Invalid_ThrowsUsage(string text) => Assert.Throws<UsageException>(() => RestoreTarget.ParseXid(text));

    [Fact]
    public void Parse_NothingGiven_IsLatest_ExceptWhereATargetIsRequired()
    {
        Assert.Equal(RestoreTarget.Latest, RestoreTarget.Parse(null));
        var ex = Assert.Throws<UsageException>(() => RestoreTarget.Parse(null, allowed: RestoreTargetRule.TimeOrLatest));
        Assert.Equal("a restore target is required", ex.Message);
        Assert.Equal(RestoreTargetRule.TimeOrLatest.Hint, ex.Hint);
    }

    [Fact]
    public void Parse_EachKind()
    {
        Assert.Equal(RestoreTarget.Immediate, RestoreTarget.Parse("immediate"));
        Assert.Equal(RestoreTarget.Latest, RestoreTarget.Parse("latest"));
        Assert.Equal(RestoreTargetKind.Time, RestoreTarget.Parse(null, time: "2026-11-21T10:30:00Z").Kind);
        Assert.Equal("0/3000060", RestoreTarget.Parse(null, lsn: "0/3000060").Lsn.ToString());
        Assert.Equal(1234UL, RestoreTarget.Parse(null, xid: 1234).Xid);
        Assert.Equal("before_migration", RestoreTarget.Parse(null, name: "before_migration").Name);
    }

    [Fact]
    public void Parse_TwoTargets_NamesBoth()
    {
        var ex = Assert.Throws<UsageException>(() => RestoreTarget.Parse("latest", time: "2026-11-21T10:30:00Z", lsn: "0/1"));
        Assert.Equal("give one restore target, not target and target_time and target_lsn", ex.Message);
    }

    [Theory]
    [InlineData("soon", "restore target 'soon' is not valid")]
    [InlineData("immediate", "restore target immediate (end of the backup) is not supported here")]
    public void Parse_DatabaseLevel_TakesTimeOrLatestOnly(string target, string message)
    {
        var ex = Assert.Throws<UsageException>(() => RestoreTarget.Parse(target, allowed: RestoreTargetRule.TimeOrLatest));
        Assert.Equal(message, ex.Message);
        Assert.Equal(RestoreTargetRule.TimeOrLatest.Hint, ex.Hint);
    }

    [Fact]
    public void Parse_BadValues_SameMessagesAsTheValueParsers()
    {
        Assert.Equal("'2' is not a valid transaction id", Assert.Throws<UsageException>(() => RestoreTarget.Parse(null, xid: 2)).Message);
        Assert.Equal("'nope' is not a valid LSN", Assert.Throws<UsageException>(() => RestoreTarget.Parse(null, lsn: "nope")).Message);
        Assert.Equal("'yesterday-ish' is not a valid timestamp",
            Assert.Throws<UsageException>(() => RestoreTarget.Parse(null, time: "yesterday-ish")).Message);
    }
}
