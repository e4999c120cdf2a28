using PgArk.Core.Storage;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Storage;

public sealed class FailingStorageTests
{
    private readonly InMemoryRepositoryStorage _inner = new();

    [Theory]
    [InlineData(WriteFailurePoint.Open)]
    [InlineData(WriteFailurePoint.Data)]
    [InlineData(WriteFailurePoint.Complete)]
    public async Task NthWrite_Fails_OthersPassThroughAndNothingPartialIsStored(WriteFailurePoint failAt)
    {
        var storage = new FailingStorage(_inner, failOnWrite: 2, failAt);

        await WriteAsync(storage, "one");
        var exception = await Assert.ThrowsAsync<IOException>(() => WriteAsync(storage, "two"));
        await WriteAsync(storage, "three");

        Assert.Equal("simulated I/O failure on write #2 of 'two'", exception.Message);
        Assert.Equal(["one", "three"], _inner.Paths);
        Assert.Equal(3, storage.WriteCount);
        Assert.Equal(0, _inner.OpenWriteCount);
    }

    private static async Task WriteAsync(IRepositoryStorage storage, string path)
    {
        await using var stream = await storage.OpenWriteAsync(path, WriteOptions.Default, CancellationToken.None);
        await stream.WriteAsync(new byte[] { 1, 2, 3 }, CancellationToken.None);
        await stream.CompleteAsync(CancellationToken.None);
    }
}
