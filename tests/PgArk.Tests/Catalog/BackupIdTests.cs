using PgArk.Core.Catalog;
using PgArk.Core.Errors;

namespace PgArk.Tests.Catalog;

public class BackupIdTests
{
    [Fact]
    public void Create_UsesUtcTimeAndTypeLetter()
    {
        var id = BackupId.Create(new DateTimeOffset(2026, 11, 21, 11, 30, 5, TimeSpan.FromHours(1)), BackupType.Full);
        Assert.Equal("20261121-103005F", id.Value);
        Assert.Equal("20261121-103005D", BackupId.Create(new DateTimeOffset(2026, 11, 21, 10, 30, 5, TimeSpan.Zero), BackupType.Diff).Value);
    }

    [Theory]
    [InlineData("../20261121-103005F")]
    [InlineData("20261121-103005X")]
    [InlineData("20261121103005F")]
    [InlineData("")]
    public void Parse_Invalid_ThrowsUsage(string text)
    {
        var ex = Assert.Throws<UsageException>(() => BackupId.Parse(text));
        Assert.Equal($"'{text}' is not a backup id", ex.Message);
    }
}
