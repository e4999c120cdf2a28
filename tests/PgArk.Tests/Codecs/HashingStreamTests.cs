using System.Security.Cryptography;
using System.Text;
using PgArk.Core.Codecs;

namespace PgArk.Tests.Codecs;

public class HashingStreamTests
{
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Write_Abc_GivesKnownVector()
    {
        var sink = new MemoryStream();
        using var hashing = new HashingStream(sink, leaveOpen: true);

        hashing.Write("a"u8);
        hashing.Write(Encoding.ASCII.GetBytes("bc"), 0, 2);

        Assert.Equal(AbcSha256, hashing.HashHex);
        Assert.Equal(3, hashing.BytesProcessed);
        Assert.Equal("abc"u8.ToArray(), sink.ToArray());
    }

    [Fact]
    public async Task ReadAsync_Abc_GivesKnownVector()
    {
        await using var hashing = new HashingStream(new MemoryStream("abc"u8.ToArray()), leaveOpen: false);

        await hashing.CopyToAsync(Stream.Null);

        Assert.Equal(AbcSha256, Convert.ToHexStringLower(hashing.GetHashAndReset()));
    }

    [Fact]
    public void GetHashAndReset_StartsOver()
    {
        using var hashing = new HashingStream(Stream.Null, leaveOpen: true);
        hashing.Write("abc"u8);

        var first = hashing.GetHashAndReset();

        Assert.Equal(AbcSha256, Convert.ToHexStringLower(first));
        Assert.Equal(0, hashing.BytesProcessed);
        Assert.Equal(EmptySha256, hashing.HashHex);
    }

    [Fact]
    public async Task WriteAsync_LargeData_MatchesOneShotHash()
    {
        var data = CodecTestData.Random(5 * 1024 * 1024 + 3);
        await using var hashing = new HashingStream(Stream.Null, leaveOpen: true);

        for (var offset = 0; offset < data.Length; offset += 65_537)
        {
            await hashing.WriteAsync(data.AsMemory(offset, Math.Min(65_537, data.Length - offset)));
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hashing.HashHex);
        Assert.Equal(data.Length, hashing.BytesProcessed);
    }

    [Fact]
    public void CountingStream_UnderCompressor_CountsStoredSize()
    {
        var output = new MemoryStream();
        var counting = new CountingStream(output, leaveOpen: true);

        using (var compress = CompressionCodec.OpenCompress(CompressionType.Zstd, counting, 3, leaveOpen: false))
        {
            compress.Write(CodecTestData.Compressible(1024 * 1024));
        }

        Assert.Equal(output.Length, counting.BytesProcessed);
        Assert.False(counting.CanWrite);
        Assert.True(output.CanWrite);
    }
}
