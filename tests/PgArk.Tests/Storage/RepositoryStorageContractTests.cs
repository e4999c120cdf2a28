using System.Security.Cryptography;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Tests.Storage;

/// <summary>
/// What every <see cref="IRepositoryStorage"/> must do, run against each driver and against the in-memory fake (so
/// the fake stays honest). Driver-specific behaviour is tested in the derived classes.
/// </summary>
public abstract class RepositoryStorageContractTests
{
    protected const int MiB = 1024 * 1024;

    protected CancellationToken Ct { get; } = CancellationToken.None;

    protected abstract IRepositoryStorage Storage { get; }

    /// <summary>
    /// Object stores have no folders: "a" and "a/b" are two independent keys, so writing under a file's name succeeds
    /// there (and nothing in a repository's layout ever does it).
    /// </summary>
    protected virtual bool FileMayShareNameWithFolder => false;

    /// <summary>
    /// False for a server that reports only folders holding at least one file directly (s3rver's common prefixes
    /// come from its own file-system walk); the folder listing is then tested with such folders only.
    /// </summary>
    protected virtual bool ListsFoldersHoldingOnlyFolders => true;

    /// <summary>
    /// False for a server that overwrites an existing object in place (s3rver), where concurrent writers of one key
    /// can tear it; such a server is only tested with one writer at a time. Real S3 replaces objects atomically.
    /// </summary>
    protected virtual bool ReplacesAtomicallyUnderConcurrency => true;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(MiB - 1)]
    [InlineData(MiB)]
    [InlineData((3 * MiB) + 7)]
    public async Task Write_ThenRead_ReturnsSameBytes(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);

        await WriteAsync("backup/full/base/1/1259", content);

        Assert.Equal(content, await ReadAsync("backup/full/base/1/1259"));
        Assert.Equal(size, (await Storage.GetInfoAsync("backup/full/base/1/1259", Ct))!.Size);
    }

    [Fact]
    public async Task OpenWrite_BeforeComplete_NothingIsVisible()
    {
        await using var stream = await Storage.OpenWriteAsync("wal/000000010000000000000001", WriteOptions.Default, Ct);
        await stream.WriteAsync(RandomNumberGenerator.GetBytes(2 * MiB), Ct);
        await stream.FlushAsync(Ct);

        Assert.Null(await Storage.GetInfoAsync("wal/000000010000000000000001", Ct));
        Assert.Empty(await ListAsync("", recursive: true));
        await Assert.ThrowsAsync<NotFoundException>(() => Storage.OpenReadAsync("wal/000000010000000000000001", Ct));

        await stream.CompleteAsync(Ct);

        Assert.Equal(2 * MiB, (await Storage.GetInfoAsync("wal/000000010000000000000001", Ct))!.Size);
    }

    [Fact]
    public async Task Dispose_WithoutComplete_StoresNothing()
    {
        await using (var stream = await Storage.OpenWriteAsync("a/b", WriteOptions.Default, Ct))
        {
            await stream.WriteAsync(RandomNumberGenerator.GetBytes(1000), Ct);
        }

        Assert.Empty(await ListAsync("", recursive: true));
    }

    [Fact]
    public async Task Complete_Cancelled_StoresNothing()
    {
        using var cancellation = new CancellationTokenSource();
        await using (var stream = await Storage.OpenWriteAsync("a/b", WriteOptions.Default, Ct))
        {
            await stream.WriteAsync(new byte[] { 1, 2, 3 }, Ct);
            await cancellation.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.CompleteAsync(cancellation.Token));
        }

        Assert.Empty(await ListAsync("", recursive: true));
    }

    [Fact]
    public async Task Complete_ExistingFile_IsReplaced()
    {
        await WriteAsync("backup.info", "first version, longer than the second"u8.ToArray());

        await WriteAsync("backup.info", "second"u8.ToArray());

        Assert.Equal("second"u8.ToArray(), await ReadAsync("backup.info"));
        Assert.Equal(["backup.info"], (await ListAsync("", recursive: true)).Select(e => e.Path));
    }

    [Fact]
    public async Task Write_AfterComplete_Throws()
    {
        await using var stream = await Storage.OpenWriteAsync("x", WriteOptions.Default, Ct);
        await stream.CompleteAsync(Ct);

        Assert.Throws<InvalidOperationException>(() => stream.Write([1]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => stream.CompleteAsync(Ct));
    }

    [Fact]
    public async Task Write_UnderAFile_ThrowsOperationFailedUnlessObjectStore()
    {
        await WriteAsync("a", [1]);

        if (FileMayShareNameWithFolder)
        {
            await WriteAsync("a/b", [2]);
            Assert.Equal(["a", "a/b"], (await ListAsync("", recursive: true)).Select(e => e.Path));
            return;
        }

        await Assert.ThrowsAsync<OperationFailedException>(async () => await WriteAsync("a/b", [2]));

        Assert.Equal(["a"], (await ListAsync("", recursive: true)).Select(e => e.Path));
    }

    [Fact]
    public async Task List_Files_AreRelativeSortedOrdinallyAndRecursiveOnlyWhenAsked()
    {
        foreach (var path in new[] { "b/z", "b/a", "b/B", "b/sub/deep/1", "b/.hidden", "c", "bb/x" })
        {
            await WriteAsync(path, new byte[path.Length]);
        }

        var flat = await ListAsync("b", recursive: false);
        var deep = await ListAsync("b/", recursive: true);
        var all = await ListAsync("", recursive: true);

        Assert.Equal(["b/.hidden", "b/B", "b/a", "b/z"], flat.Select(e => e.Path));
        Assert.Equal(["b/.hidden", "b/B", "b/a", "b/sub/deep/1", "b/z"], deep.Select(e => e.Path));
        Assert.Equal(["b/.hidden", "b/B", "b/a", "b/sub/deep/1", "b/z", "bb/x", "c"], all.Select(e => e.Path));
        Assert.Equal(["c"], (await ListAsync("", recursive: false)).Select(e => e.Path));
        Assert.All(all, e => Assert.Equal(e.Path.Length, e.Size));
    }

    [Fact]
    public async Task List_MissingPrefix_YieldsNothing()
    {
        Assert.Empty(await ListAsync("", recursive: true));
        Assert.Empty(await Storage.ListFoldersAsync("", Ct));

        await WriteAsync("a/b", [1]);

        Assert.Empty(await ListAsync("nothing/here", recursive: true));
        Assert.Empty(await ListAsync("a/b", recursive: true)); // a file, not a folder
        Assert.Empty(await Storage.ListFoldersAsync("nothing", Ct));
    }

    [Fact]
    public async Task ListFolders_ImmediateSubfolders_SortedOrdinally()
    {
        var paths = new List<string> { "backup/b/f", "backup/a/deep/f", "backup/C/f", "backup/file" };
        if (!ListsFoldersHoldingOnlyFolders)
        {
            paths.Add("backup/a/f");
        }

        foreach (var path in paths)
        {
            await WriteAsync(path, [1]);
        }

        Assert.Equal(["C", "a", "b"], await Storage.ListFoldersAsync("backup", Ct));
        Assert.Equal(["backup"], await Storage.ListFoldersAsync("", Ct));
    }

    [Fact]
    public async Task GetInfo_File_ReturnsSizeAndModificationTime()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        await WriteAsync("a/b", new byte[1234]);

        var info = await Storage.GetInfoAsync("a/b", Ct);

        Assert.NotNull(info);
        Assert.Equal("a/b", info.Path);
        Assert.Equal(1234, info.Size);
        Assert.InRange(info.ModifiedAt, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Null(await Storage.GetInfoAsync("a/missing", Ct));
        Assert.Null(await Storage.GetInfoAsync("a", Ct)); // a folder is not a file
        Assert.Null(await Storage.GetInfoAsync("nothing/at/all", Ct));
    }

    [Fact]
    public async Task OpenRead_MissingFile_ThrowsNotFoundNamingThePath()
    {
        var exception = await Assert.ThrowsAsync<NotFoundException>(() => Storage.OpenReadAsync("backup/x/manifest", Ct));

        Assert.Equal($"unable to open missing file '{Storage.Location}/backup/x/manifest' for read", exception.Message);
        Assert.Equal(ErrorKind.NotFound, exception.Kind);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    [InlineData("/tmp/outside")]
    [InlineData("a\\..\\..\\outside")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    public async Task AllOperations_InvalidPath_AreRejectedWithUsageException(string path)
    {
        await Assert.ThrowsAsync<UsageException>(() => Storage.OpenWriteAsync(path, WriteOptions.Default, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.OpenReadAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.GetInfoAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.DeleteAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.DeleteFolderAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.SyncFolderAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => Storage.ListFoldersAsync(path, Ct));
        await Assert.ThrowsAsync<UsageException>(() => ListAsync(path, recursive: true));
    }

    [Fact]
    public async Task Delete_File_RemovesItAndMissingIsNoError()
    {
        await WriteAsync("a/b", [1]);

        await Storage.DeleteAsync("a/b", Ct);
        await Storage.DeleteAsync("a/b", Ct);
        await Storage.DeleteAsync("no/such/folder/file", Ct);

        Assert.Null(await Storage.GetInfoAsync("a/b", Ct));
    }

    [Fact]
    public async Task DeleteFolder_Tree_RemovesEverythingBelowAndMissingIsNoError()
    {
        await WriteAsync("backup/x/a/b", [1]);
        await WriteAsync("backup/x/c", [1]);
        await WriteAsync("backup/xy", [1]);

        await Storage.DeleteFolderAsync("backup/x", Ct);
        await Storage.DeleteFolderAsync("backup/x", Ct);

        Assert.Equal(["backup/xy"], (await ListAsync("", recursive: true)).Select(e => e.Path));
        Assert.Empty(await Storage.ListFoldersAsync("backup", Ct));
    }

    [Fact]
    public async Task DeleteFolder_Root_IsRefused()
    {
        await WriteAsync("a", [1]);

        var exception = await Assert.ThrowsAsync<UsageException>(() => Storage.DeleteFolderAsync("", Ct));

        Assert.Equal($"refusing to delete the root of repository '{Storage.Location}'", exception.Message);
        Assert.NotNull(await Storage.GetInfoAsync("a", Ct));
    }

    [Fact]
    public async Task Write_ConcurrentToDifferentFiles_AllComplete()
    {
        var contents = Enumerable.Range(0, 64).ToDictionary(
            i => $"backup/x/{i % 4}/{i % 8}/file{i}", i => RandomNumberGenerator.GetBytes(i * 10_000));

        await Parallel.ForEachAsync(
            contents,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct },
            async (pair, ct) =>
            {
                await using var stream = await Storage.OpenWriteAsync(pair.Key, WriteOptions.Bulk, ct);
                await stream.WriteAsync(pair.Value, ct);
                await stream.CompleteAsync(ct);
            });

        Assert.Equal(contents.Keys.Order(StringComparer.Ordinal), (await ListAsync("backup", recursive: true)).Select(e => e.Path));
        foreach (var (path, content) in contents)
        {
            Assert.Equal(content, await ReadAsync(path));
        }
    }

    [Fact]
    public async Task Write_ConcurrentToSameFile_OneWholeVersionWins()
    {
        var contents = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)i, 3 * MiB).ToArray()).ToList();
        if (!ReplacesAtomicallyUnderConcurrency)
        {
            foreach (var content in contents)
            {
                await WriteAsync("same", content);
            }

            Assert.Equal(contents[^1], await ReadAsync("same"));
            return;
        }

        await Task.WhenAll(contents.Select(async content =>
        {
            await using var stream = await Storage.OpenWriteAsync("same", WriteOptions.Default, Ct);
            await stream.WriteAsync(content, Ct);
            await stream.CompleteAsync(Ct);
        }));

        var stored = await ReadAsync("same");
        Assert.Contains(contents, content => content.AsSpan().SequenceEqual(stored));
        Assert.Equal(["same"], (await ListAsync("", recursive: true)).Select(e => e.Path));
    }

    protected async Task WriteAsync(string path, byte[] content, WriteOptions? options = null)
    {
        await using var stream = await Storage.OpenWriteAsync(path, options ?? WriteOptions.Default, Ct);
        for (var offset = 0; offset < content.Length; offset += 100_000)
        {
            await stream.WriteAsync(content.AsMemory(offset, Math.Min(100_000, content.Length - offset)), Ct);
        }

        await stream.CompleteAsync(Ct);
    }

    protected async Task<byte[]> ReadAsync(string path)
    {
        await using var stream = await Storage.OpenReadAsync(path, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    protected async Task<List<StorageEntry>> ListAsync(string prefix, bool recursive)
    {
        var entries = new List<StorageEntry>();
        await foreach (var entry in Storage.ListAsync(prefix, recursive, Ct))
        {
            entries.Add(entry);
        }

        return entries;
    }
}
