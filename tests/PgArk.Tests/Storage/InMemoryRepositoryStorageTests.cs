using PgArk.Core.Storage;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Storage;

public sealed class InMemoryRepositoryStorageTests : RepositoryStorageContractTests
{
    private readonly InMemoryRepositoryStorage _storage = new();

    protected override IRepositoryStorage Storage => _storage;

    [Fact]
    public async Task OpenWriteCount_TracksWritesUntilDisposed()
    {
        var stream = await _storage.OpenWriteAsync("a", WriteOptions.Default, Ct);

        Assert.Equal(1, _storage.OpenWriteCount);

        await stream.DisposeAsync();
        await stream.DisposeAsync();

        Assert.Equal(0, _storage.OpenWriteCount);
    }

    [Fact]
    public async Task Put_StoresAFileDirectly()
    {
        _storage.Put("backup/x/manifest", [1, 2]);

        Assert.Equal([1, 2], await ReadAsync("backup/x/manifest"));
        Assert.Equal(["backup/x/manifest"], _storage.Paths);
    }
}
