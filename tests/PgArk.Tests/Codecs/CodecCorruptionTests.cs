using PgArk.Core.Codecs;
using PgArk.Core.Errors;

namespace PgArk.Tests.Codecs;

public class CodecCorruptionTests
{
    public static TheoryData<CompressionType> CompressedTypes() =>
        new(CompressionType.Gzip, CompressionType.Zstd, CompressionType.Lz4);

    [Theory]
    [MemberData(nameof(CompressedTypes))]
    public void Decompress_FlippedByteInTheMiddle_ThrowsIntegrityException(CompressionType type)
    {
        var compressed = CodecTestData.Compress(type, CodecTestData.Compressible(1024 * 1024));
        compressed[compressed.Length / 2] ^= 0x10;

        var ex = Assert.Throws<IntegrityException>(() => CodecTestData.Decompress(type, compressed));

        Assert.StartsWith($"{Name(type)} decompression failed: ", ex.Message);
        Assert.Equal(ErrorKind.Integrity, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(CompressedTypes))]
    public void Decompress_FlippedChecksumByte_ThrowsIntegrityException(CompressionType type)
    {
        // The last bytes of every frame format here are a content checksum (gzip: CRC-32 then length).
        var compressed = CodecTestData.Compress(type, CodecTestData.Compressible(200_000));
        compressed[^(type == CompressionType.Gzip ? 8 : 1)] ^= 0x01;

        var ex = Assert.Throws<IntegrityException>(() => CodecTestData.Decompress(type, compressed));

        Assert.StartsWith($"{Name(type)} decompression failed: ", ex.Message);
    }

    [Theory]
    [MemberData(nameof(CompressedTypes))]
    public async Task Decompress_Truncated_ThrowsIntegrityException(CompressionType type)
    {
        var compressed = CodecTestData.Compress(type, CodecTestData.Compressible(1024 * 1024));

        foreach (var length in new[] { 0, 3, compressed.Length / 2, compressed.Length - 1 })
        {
            var truncated = compressed[..length];

            var ex = Assert.Throws<IntegrityException>(() => CodecTestData.Decompress(type, truncated));
            await Assert.ThrowsAsync<IntegrityException>(async () =>
            {
                await using var decompress = CompressionCodec.OpenDecompress(type, new MemoryStream(truncated), false);
                await decompress.CopyToAsync(Stream.Null);
            });

            Assert.Equal($"{Name(type)} decompression failed: compressed data is truncated", ex.Message);
        }
    }

    [Theory]
    [InlineData(CompressionType.Zstd, "zstd decompression failed: Unknown frame descriptor")]
    [InlineData(CompressionType.Lz4, "lz4 decompression failed: ERROR_frameType_unknown")]
    [InlineData(CompressionType.Gzip, "gzip decompression failed: incorrect header check")]
    public void Decompress_NotCompressedData_ThrowsWithLibraryErrorText(CompressionType type, string expected)
    {
        var ex = Assert.Throws<IntegrityException>(() => CodecTestData.Decompress(type, CodecTestData.Random(10_000)));

        Assert.Equal(expected, ex.Message);
    }

    [Theory]
    [MemberData(nameof(CompressedTypes))]
    public void Decompress_TrailingGarbage_ThrowsIntegrityException(CompressionType type)
    {
        var compressed = CodecTestData.Compress(type, CodecTestData.Compressible(10_000));

        byte[] withGarbage = [.. compressed, .. CodecTestData.Random(100)];

        Assert.Throws<IntegrityException>(() => CodecTestData.Decompress(type, withGarbage));
    }

    [Fact]
    public void Read_AfterIntegrityFailure_ThrowsAgain()
    {
        var compressed = CodecTestData.Compress(CompressionType.Zstd, CodecTestData.Compressible(100_000));
        using var decompress = CompressionCodec.OpenDecompress(CompressionType.Zstd, new MemoryStream(compressed[..100]), false);
        var buffer = new byte[1024 * 1024];

        var first = Assert.Throws<IntegrityException>(() => { while (decompress.Read(buffer) > 0) { } });

        Assert.Same(first, Assert.Throws<IntegrityException>(() => decompress.Read(buffer)));
    }

    private static string Name(CompressionType type) => type.ToString().ToLowerInvariant();
}
