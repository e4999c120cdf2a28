using System.Security.Cryptography;
using PgArk.Core.Errors;
using PgArk.Core.Storage;
using PgArk.Core.Storage.S3;
using PgArk.IntegrationTests.Infrastructure;
using PgArk.Tests.Storage;

namespace PgArk.IntegrationTests.Storage;

/// <summary>The storage contract and the S3-only behaviour (multipart, abort, pagination, errors) against s3rver.</summary>
[Collection(S3Collection.Name)]
public sealed class S3StorageTests : RepositoryStorageContractTests, IDisposable
{
    private readonly S3rverFixture _fixture;
    private readonly S3Storage _storage;

    public S3StorageTests(S3rverFixture fixture)
    {
        _fixture = fixture;
        _storage = new S3Storage(fixture.NewStorageOptions() with { PartSize = S3StorageOptions.MinPartSize, UploadConcurrency = 3 });
    }

    protected override IRepositoryStorage Storage => _storage;

    protected override bool FileMayShareNameWithFolder => true;

    protected override bool ListsFoldersHoldingOnlyFolders => false;

    protected override bool ReplacesAtomicallyUnderConcurrency => false;

    public void Dispose() => _storage.Dispose();

    [Theory]
    [InlineData(5 * MiB)]
    [InlineData((5 * MiB) + 1)]
    [InlineData((17 * MiB) + 12345)]
    public async Task Write_LargerThanAPart_IsStoredByMultipartUploadWhole(int size)
    {
        var content = RandomNumberGenerator.GetBytes(size);

        await WriteAsync("backup/x/base/1/16384", content);

        Assert.Equal(content, await ReadAsync("backup/x/base/1/16384"));
        Assert.Equal(size, (await Storage.GetInfoAsync("backup/x/base/1/16384", Ct))!.Size);
    }

    // s3rver implements neither AbortMultipartUpload nor ListMultipartUploads, so this proves the object never
    // appears; that the abort request is sent is the driver's code path on real S3 (its failure is tolerated).
    [Fact]
    public async Task Dispose_AfterPartsUploaded_StoresNothing()
    {
        await using (var stream = await Storage.OpenWriteAsync("backup/x/big", WriteOptions.Bulk, Ct))
        {
            await stream.WriteAsync(RandomNumberGenerator.GetBytes(12 * MiB), Ct);
        }

        Assert.Empty(await ListAsync("", recursive: true));
        Assert.Null(await Storage.GetInfoAsync("backup/x/big", Ct));
    }

    [Fact]
    public async Task List_MoreThanOnePage_ReturnsEveryObjectOnceInOrder()
    {
        var names = Enumerable.Range(0, 1100).Select(i => $"wal/0000000100000000/{i:D8}").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, ct) =>
        {
            await using var stream = await Storage.OpenWriteAsync(name, WriteOptions.Bulk, ct);
            await stream.CompleteAsync(ct);
        });
        await WriteAsync("wal/0000000100000000/sub/x", [1]);

        var flat = await ListAsync("wal/0000000100000000", recursive: false);

        Assert.Equal(names, flat.Select(e => e.Path));
        Assert.Equal(["sub"], await Storage.ListFoldersAsync("wal/0000000100000000", Ct));
    }

    [Fact]
    public async Task DeleteFolder_MoreThanOneBatch_RemovesEverything()
    {
        var names = Enumerable.Range(0, 1050).Select(i => $"backup/x/f{i:D5}").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, ct) =>
        {
            await using var stream = await Storage.OpenWriteAsync(name, WriteOptions.Bulk, ct);
            await stream.CompleteAsync(ct);
        });

        await Storage.DeleteFolderAsync("backup/x", Ct);

        Assert.Empty(await ListAsync("", recursive: true));
    }

    [Fact]
    public async Task StorageClassAndServerSideEncryption_AreSentWithEveryWrite()
    {
        using var storage = new S3Storage(_fixture.NewStorageOptions() with
        {
            StorageClass = "STANDARD_IA",
            ServerSideEncryption = S3ServerSideEncryption.Aes256,
            PartSize = S3StorageOptions.MinPartSize,
        });
        var small = RandomNumberGenerator.GetBytes(100);
        var large = RandomNumberGenerator.GetBytes((6 * MiB) + 1);

        foreach (var (path, content) in new[] { ("small", small), ("large", large) })
        {
            await using var stream = await storage.OpenWriteAsync(path, WriteOptions.Default, Ct);
            await stream.WriteAsync(content, Ct);
            await stream.CompleteAsync(Ct);
        }

        foreach (var path in new[] { "small", "large" })
        {
            var metadata = await storage.Client.GetObjectMetadataAsync(S3rverFixture.Bucket, storage.Options.Prefix + "/" + path, Ct);
            Assert.Equal("STANDARD_IA", metadata.StorageClass?.Value);
        }
    }

    [Fact]
    public async Task MissingBucket_IsAConfigurationErrorNamingTheBucket()
    {
        using var storage = new S3Storage(_fixture.NewStorageOptions() with { Bucket = "no-such-bucket" });

        var read = await Assert.ThrowsAsync<ConfigurationException>(() => storage.OpenReadAsync("a", Ct));
        var info = await Assert.ThrowsAsync<ConfigurationException>(() => storage.GetInfoAsync("a", Ct));

        Assert.Contains("bucket 'no-such-bucket' does not exist at http://127.0.0.1:", read.Message, StringComparison.Ordinal);
        Assert.Contains("bucket 'no-such-bucket' does not exist", info.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Usage, read.Kind);
    }

    // s3rver checks the access key id but not SigV4 signatures, so the unknown key id is what is refused here.
    [Fact]
    public async Task UnknownAccessKey_IsAConfigurationErrorThatDoesNotShowTheSecret()
    {
        using var storage = new S3Storage(_fixture.NewStorageOptions() with { Credentials = new S3Credentials("NOT-A-KEY", "not-the-secret") });

        var exception = await Assert.ThrowsAsync<ConfigurationException>(() => ListAsync(""));

        Assert.Contains("access refused", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", exception.Message + exception.Hint, StringComparison.Ordinal);

        async Task<int> ListAsync(string prefix)
        {
            var count = 0;
            await foreach (var _ in storage.ListAsync(prefix, recursive: true, Ct))
            {
                count++;
            }

            return count;
        }
    }

    [Fact]
    public async Task ServerDown_FailsWithAnErrorNamingTheEndpoint()
    {
        var port = FreePort.Next("/tmp");
        using var storage = new S3Storage(_fixture.NewStorageOptions() with { Endpoint = new Uri($"http://127.0.0.1:{port}"), MaxErrorRetry = 1 });

        var exception = await Assert.ThrowsAsync<OperationFailedException>(async () =>
        {
            await using var stream = await storage.OpenWriteAsync("a", WriteOptions.Default, Ct);
            await stream.CompleteAsync(Ct);
        });

        Assert.StartsWith($"unable to write file '{storage.Location}/a': ", exception.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(endpoint http://127.0.0.1:{port}/)", exception.Message, StringComparison.Ordinal);
    }
}
