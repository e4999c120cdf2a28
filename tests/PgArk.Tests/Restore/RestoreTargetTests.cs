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
}
