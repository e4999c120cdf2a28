using PgArk.Core.Errors;
using PgArk.Core.Physical;

namespace PgArk.Tests.Physical;

public class PageDeltaTests
{
    private const int PageSize = 8192;

    private static async Task<byte[]> BuildDeltaAsync(IEnumerable<(uint Block, byte Fill)> pages, long newSize)
    {
        using var stream = new MemoryStream();
        await PageDelta.WriteHeaderAsync(stream, PageSize, CancellationToken.None);
        var scratch = new byte[4];
        foreach (var (block, fill) in pages)
        {
            var page = Enumerable.Repeat(fill, PageSize).ToArray();
            await PageDelta.WritePageAsync(stream, block, page, scratch, CancellationToken.None);
        }
        await PageDelta.WriteTrailerAsync(stream, newSize, CancellationToken.None);
        return stream.ToArray();
    }

    private static async Task<byte[]> ApplyAsync(byte[] original, byte[] delta)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, original);
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                await PageDelta.ApplyAsync(new MemoryStream(delta), handle, "test delta", CancellationToken.None);
            }
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Apply_ReplacesPages_ExtendsAndKeepsOthers()
    {
        var original = new byte[3 * PageSize];
        Array.Fill(original, (byte)1);
        var result = await ApplyAsync(original, await BuildDeltaAsync([(1, 7), (4, 9)], 5 * PageSize));
        Assert.Equal(5 * PageSize, result.Length);
        Assert.All(result[..PageSize], b => Assert.Equal(1, b));
        Assert.All(result[PageSize..(2 * PageSize)], b => Assert.Equal(7, b));
        Assert.All(result[(2 * PageSize)..(3 * PageSize)], b => Assert.Equal(1, b));
        Assert.All(result[(3 * PageSize)..(4 * PageSize)], b => Assert.Equal(0, b));
        Assert.All(result[(4 * PageSize)..], b => Assert.Equal(9, b));
    }

    [Fact]
    public async Task Apply_TruncatesToNewSize()
    {
        var original = new byte[4 * PageSize];
        var result = await ApplyAsync(original, await BuildDeltaAsync([], 2 * PageSize));
        Assert.Equal(2 * PageSize, result.Length);
    }

    [Fact]
    public async Task Apply_TruncatedDelta_IsIntegrityError()
    {
        var delta = await BuildDeltaAsync([(0, 3)], PageSize);
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => ApplyAsync(new byte[PageSize], delta[..^5]));
        Assert.Equal("test delta is truncated", ex.Message);
    }

    [Fact]
    public async Task Apply_BlocksOutOfOrder_IsIntegrityError()
    {
        var delta = await BuildDeltaAsync([(2, 3), (1, 4)], 3 * PageSize);
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => ApplyAsync(new byte[3 * PageSize], delta));
        Assert.Equal("test delta lists block 1 out of order", ex.Message);
    }

    [Fact]
    public async Task Apply_BadMagic_IsIntegrityError()
    {
        var delta = await BuildDeltaAsync([], 0);
        delta[0] = (byte)'X';
        await Assert.ThrowsAsync<IntegrityException>(() => ApplyAsync([], delta));
    }
}
