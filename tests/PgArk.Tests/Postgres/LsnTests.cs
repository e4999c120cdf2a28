using PgArk.Core.Errors;
using PgArk.Core.Postgres;

namespace PgArk.Tests.Postgres;

public class LsnTests
{
    [Theory]
    [InlineData("0/0", 0UL)]
    [InlineData("0/16B3748", 0x16B3748UL)]
    [InlineData("16/B374D848", 0x16_B374D848UL)]
    [InlineData("FFFFFFFF/FFFFFFFF", ulong.MaxValue)]
    [InlineData("a/b", 0xA_0000000BUL)]
    public void Parse_ValidText_RoundTrips(string text, ulong value)
    {
        var lsn = Lsn.Parse(text);
        Assert.Equal(value, lsn.Value);
        Assert.Equal(text.ToUpperInvariant(), lsn.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("16B3748")]
    [InlineData("/1")]
    [InlineData("1/")]
    [InlineData("1/2/3")]
    [InlineData("G/1")]
    [InlineData("123456789/1")]
    public void Parse_InvalidText_ThrowsUsage(string text)
    {
        var ex = Assert.Throws<UsageException>(() => Lsn.Parse(text));
        Assert.Equal($"'{text}' is not a valid LSN", ex.Message);
        Assert.Equal(ErrorKind.Usage, ex.Kind);
    }

    [Fact]
    public void SegmentNumber_16MbSegments_DividesBySegmentSize()
    {
        Assert.Equal(0x16UL * 256 + 0xB3, Lsn.Parse("16/B374D848").SegmentNumber(16 * 1024 * 1024));
    }

    [Fact]
    public void Comparison_OrdersByValue()
    {
        Assert.True(Lsn.Parse("1/0") > Lsn.Parse("0/FFFFFFFF"));
        Assert.True(Lsn.Parse("0/10") <= Lsn.Parse("0/10"));
    }
}
