using System.Buffers.Binary;
using System.Numerics;
using PgArk.Core.Postgres;

namespace PgArk.Tests.Postgres;

public class ControlFileTests
{
    // Builds an 8 kB pg_control image with the CRC-32C of the first crcOffset bytes stored at crcOffset, as PostgreSQL does.
    private static byte[] Image(ulong systemIdentifier, uint catalogVersion, int crcOffset)
    {
        var image = new byte[ControlFile.FileSize];
        BinaryPrimitives.WriteUInt64LittleEndian(image, systemIdentifier);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(8), 1300);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(12), catalogVersion);
        for (var i = 16; i < crcOffset; i++)
        {
            image[i] = (byte)(i * 7);
        }
        var crc = 0xFFFFFFFFu;
        for (var i = 0; i < crcOffset; i++)
        {
            crc = BitOperations.Crc32C(crc, image[i]);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(crcOffset), crc ^ 0xFFFFFFFFu);
        return image;
    }

    [Theory]
    [InlineData(288)] // PostgreSQL 13-16 sizes differ a little; the CRC is found wherever it is.
    [InlineData(296)]
    [InlineData(304)]
    public void TryParse_ValidCrc_ReturnsFields(int crcOffset)
    {
        var parsed = ControlFile.TryParse(Image(7715209141332156540, 202209061, crcOffset));
        Assert.NotNull(parsed);
        Assert.Equal(7715209141332156540UL, parsed.SystemIdentifier);
        Assert.Equal(202209061U, parsed.CatalogVersion);
        Assert.Equal(1300U, parsed.ControlVersion);
    }

    [Fact]
    public void TryParse_TornCopy_ReturnsNull()
    {
        var image = Image(42, 202209061, 296);
        image[100] ^= 0xFF; // half of a newer checkpoint's content
        Assert.Null(ControlFile.TryParse(image));
    }

    [Fact]
    public async Task ReadValidCopyAsync_FileShrinksWhileRead_IsReadAgainNotAnError()
    {
        var path = Path.GetTempFileName();
        try
        {
            var whole = Image(42, 202209061, 296);
            await File.WriteAllBytesAsync(path, whole);
            // Truncate and rewrite repeatedly while the reader reads: every outcome but the whole copy must be read again.
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await File.WriteAllBytesAsync(path, whole);
                }
            });
            for (var i = 0; i < 50; i++)
            {
                var (content, _) = await ControlFile.ReadValidCopyAsync(path, TimeSpan.FromSeconds(30), CancellationToken.None);
                Assert.Equal(whole, content);
            }
            await stop.CancelAsync();
            await writer;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReadAsync_DamagedFile_FailsAfterTimeout()
    {
        var path = Path.GetTempFileName();
        try
        {
            var image = Image(42, 1, 296);
            image[20] ^= 1;
            await File.WriteAllBytesAsync(path, image);
            await Assert.ThrowsAsync<InvalidDataException>(() => ControlFile.ReadAsync(path, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReadValidCopyAsync_TornThenRewritten_ReturnsTheWholeCopyBytes()
    {
        var path = Path.GetTempFileName();
        try
        {
            var whole = Image(42, 202209061, 296);
            var torn = (byte[])whole.Clone();
            torn[200] ^= 0xFF;
            await File.WriteAllBytesAsync(path, torn);
            // The "checkpoint" finishes its write while the reader is re-reading: the reader must return the new, whole copy.
            var reader = ControlFile.ReadValidCopyAsync(path, TimeSpan.FromSeconds(30), CancellationToken.None);
            // In place, as PostgreSQL rewrites pg_control (no truncation).
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                await file.WriteAsync(whole);
            }
            var (content, parsed) = await reader;
            Assert.Equal(whole, content);
            Assert.Equal(42UL, parsed.SystemIdentifier);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
