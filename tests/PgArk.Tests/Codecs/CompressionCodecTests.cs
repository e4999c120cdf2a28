using PgArk.Core.Codecs;
using PgArk.Core.Errors;

namespace PgArk.Tests.Codecs;

public class CompressionCodecTests
{
    [Theory]
    [InlineData("none", CompressionType.None)]
    [InlineData("gzip", CompressionType.Gzip)]
    [InlineData("GZ", CompressionType.Gzip)]
    [InlineData("zstd", CompressionType.Zstd)]
    [InlineData(" Zst ", CompressionType.Zstd)]
    [InlineData("LZ4", CompressionType.Lz4)]
    public void Parse_KnownName_ReturnsType(string name, CompressionType expected)
    {
        Assert.Equal(expected, CompressionCodec.Parse(name));
    }

    [Theory]
    [InlineData("bzip2")]
    [InlineData("")]
    public void Parse_UnknownName_ThrowsUsageException(string name)
    {
        var ex = Assert.Throws<UsageException>(() => CompressionCodec.Parse(name));

        Assert.Equal($"unknown compression type '{name}'", ex.Message);
        Assert.Equal("valid compression types are none, gzip, zstd and lz4", ex.Hint);
        Assert.Equal(ErrorKind.Usage, ex.Kind);
    }

    [Theory]
    [InlineData(CompressionType.None, "", 0)]
    [InlineData(CompressionType.Gzip, ".gz", 6)]
    [InlineData(CompressionType.Zstd, ".zst", 3)]
    [InlineData(CompressionType.Lz4, ".lz4", 1)]
    public void FileExtensionAndDefaultLevel_EachType_MatchConventions(CompressionType type, string extension, int level)
    {
        Assert.Equal(extension, CompressionCodec.FileExtension(type));
        Assert.Equal(level, CompressionCodec.DefaultLevel(type));
    }

    [Theory]
    [InlineData(CompressionType.Gzip, 10)]
    [InlineData(CompressionType.Zstd, 0)]
    [InlineData(CompressionType.Zstd, 20)]
    [InlineData(CompressionType.Lz4, 13)]
    public void OpenCompress_LevelOutOfRange_Throws(CompressionType type, int level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CompressionCodec.OpenCompress(type, new MemoryStream(), level, false));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Zstd)]
    [InlineData(CompressionType.Lz4)]
    public void OpenCompress_EveryLevelInRange_RoundTrips(CompressionType type)
    {
        var data = CodecTestData.Compressible(100_000);
        var (min, max) = CompressionCodec.LevelRange(type);

        for (var level = min; level <= max; level++)
        {
            Assert.Equal(data, CodecTestData.Decompress(type, CodecTestData.Compress(type, data, level)));
        }
    }
}
