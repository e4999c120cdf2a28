using PgArk.Core.Postgres;

namespace PgArk.Tests.Postgres;

public class PgVersionsTests
{
    [Theory]
    [InlineData(13, 0xD106)]
    [InlineData(14, 0xD10D)]
    [InlineData(15, 0xD110)]
    [InlineData(16, 0xD113)]
    [InlineData(17, 0xD116)]
    [InlineData(18, 0xD118)]
    public void WalPageMagic_EverySupportedMajor_RoundTrips(int major, int magic)
    {
        Assert.True(PgVersions.IsSupportedMajor(major));
        Assert.Equal((ushort)magic, PgVersions.WalPageMagic(major));
        Assert.Equal(major, PgVersions.MajorOfWalPageMagic((ushort)magic));
    }

    [Fact]
    public void UnknownVersionsAndMagic_AreNotGuessed()
    {
        Assert.False(PgVersions.IsSupportedMajor(12));
        Assert.False(PgVersions.IsSupportedMajor(19));
        Assert.Null(PgVersions.WalPageMagic(19));
        Assert.Null(PgVersions.MajorOfWalPageMagic(0xD119));
    }
}
