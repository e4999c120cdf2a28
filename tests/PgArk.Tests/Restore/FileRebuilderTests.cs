using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Restore;
using PgArk.Core.Storage;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Restore;

/// <summary>
/// The whole-object path writes a file in 1 MiB chunks while the next one is decompressed and hashed: the SHA-256 it
/// checks is the stream's, so these tests read the file back to prove every chunk landed at its own offset.
/// </summary>
public class FileRebuilderTests
{
    private const string Server = "pg1";
    private const string Id = "20261204-100000F";

    private static async Task<(Repository Repository, ManifestFile Entry)> StoreAsync(byte[] content, string? recordedSha256 = null)
    {
        var repository = new Repository("r", new InMemoryRepositoryStorage(), CompressionType.None, 0);
        var entry = new ManifestFile
        {
            Path = "base/5/16384", Size = content.Length, ModifiedAt = 0, Mode = 384, StoredSize = content.Length,
            Sha256 = recordedSha256 ?? Convert.ToHexStringLower(SHA256.HashData(content)),
        };
        var manifest = new BackupManifest
        {
            Id = Id, Type = BackupType.Full, Server = Server, StartTime = DateTimeOffset.UnixEpoch, StopTime = DateTimeOffset.UnixEpoch,
            StartLsn = "0/0", StopLsn = "0/0", Timeline = 1, StartWal = "000000010000000000000001", StopWal = "000000010000000000000001",
            SystemIdentifier = 1, PgVersionNum = 150004, WalSegmentSize = 16 << 20, DataChecksums = false, Compression = "none", CompressionLevel = 0,
            Size = content.Length, StoredSize = content.Length, DurationSeconds = 0, Tablespaces = [],
            Directories = [new ManifestDirectory("base", 448), new ManifestDirectory("base/5", 448)], Files = [entry],
        };
        await repository.WriteJsonAsync(RepositoryLayout.ManifestPath(Server, BackupId.Parse(Id)), manifest, CancellationToken.None);
        var objectPath = RepositoryLayout.BackupFilePath(Server, BackupId.Parse(Id), entry.Path, CompressionCodec.FileExtension(CompressionType.None));
        var stream = await repository.Storage.OpenWriteAsync(objectPath, new WriteOptions(), CancellationToken.None);
        await stream.WriteAsync(content);
        await stream.CompleteAsync(CancellationToken.None);
        await stream.DisposeAsync();
        return (repository, entry);
    }

    [Theory]
    [InlineData(3 * 1024 * 1024 + 12345)]
    [InlineData(1024 * 1024)]
    [InlineData(8192)]
    public async Task WriteAsync_WholeObjectOfManyChunks_FileOnDiskEqualsTheBackedUpBytes(int size)
    {
        var content = new byte[size];
        new Random(17).NextBytes(content);
        var (repository, entry) = await StoreAsync(content);
        using var folder = new TemporaryFolder();
        var target = folder.Combine("16384");
        long reported = 0;

        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            await new FileRebuilder(repository, new BackupChain(repository, Server), startWriteback: true)
                .WriteAsync(Id, entry, handle, n => reported += n, CancellationToken.None);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(target));
        Assert.Equal(size, reported);
    }

    [Fact]
    public async Task WriteAsync_RecordedChecksumDiffers_IntegrityErrorNamingTheFile()
    {
        var content = new byte[2 * 1024 * 1024 + 1];
        new Random(3).NextBytes(content);
        var (repository, entry) = await StoreAsync(content, recordedSha256: new string('0', 64));
        using var folder = new TemporaryFolder();
        using var handle = File.OpenHandle(folder.Combine("16384"), FileMode.CreateNew, FileAccess.ReadWrite);

        var error = await Assert.ThrowsAsync<IntegrityException>(() =>
            new FileRebuilder(repository, new BackupChain(repository, Server)).WriteAsync(Id, entry, handle, _ => { }, CancellationToken.None));

        Assert.StartsWith($"checksum mismatch restoring 'base/5/16384' from backup {Id}: expected {content.Length} bytes with SHA-256 {new string('0', 64)}, got {content.Length} bytes with ",
            error.Message, StringComparison.Ordinal);
    }

    // The seam rewrites a chunk request as a pipeline bug would; the ledger that hashes what reaches the file must notice.
    public static TheoryData<string, int> Faults => new()
    {
        { "second chunk one page further", 3 * 1024 * 1024 + 12345 },
        { "second chunk written over the first", 3 * 1024 * 1024 + 12345 },
        { "first chunk cut short", 3 * 1024 * 1024 + 12345 },
        { "last chunk cut short", 3 * 1024 * 1024 + 12345 },
        { "only chunk cut short", 8192 },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task WriteAsync_ChunkWrittenAtWrongOffsetOrCutShort_IntegrityErrorEvenThoughTheStreamHashMatches(string fault, int size)
    {
        var content = new byte[size];
        new Random(5).NextBytes(content);
        var (repository, entry) = await StoreAsync(content);
        using var folder = new TemporaryFolder();
        using var handle = File.OpenHandle(folder.Combine("16384"), FileMode.CreateNew, FileAccess.ReadWrite);
        const int Mib = 1024 * 1024;
        WrittenFileLedger.Fault.Value = chunk => fault switch
        {
            "second chunk one page further" when chunk.Offset == Mib => chunk with { Offset = Mib + 8192 },
            "second chunk written over the first" when chunk.Offset == Mib => chunk with { Offset = 0 },
            "first chunk cut short" when chunk.Offset == 0 => chunk with { Count = chunk.Count - 1 },
            "last chunk cut short" when chunk.Offset == 3 * Mib => chunk with { Count = chunk.Count - 100 },
            "only chunk cut short" => chunk with { Count = chunk.Count - 1 },
            _ => chunk,
        };
        try
        {
            var error = await Assert.ThrowsAsync<IntegrityException>(() =>
                new FileRebuilder(repository, new BackupChain(repository, Server), startWriteback: true)
                    .WriteAsync(Id, entry, handle, _ => { }, CancellationToken.None));
            Assert.Contains("'base/5/16384'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            WrittenFileLedger.Fault.Value = null;
        }
    }

    [Fact]
    public void Ledger_HashIsOfTheBytesWrittenInOrder_AndAGapOrOverlapIsRefused()
    {
        using var folder = new TemporaryFolder();
        var path = folder.Combine("f");
        var data = new byte[10000];
        new Random(9).NextBytes(data);
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var ledger = new WrittenFileLedger(handle, "f", hash: true, RestoreStage.Off());

        ledger.Write(data, 4000, 0);
        Assert.Throws<IntegrityException>(() => ledger.Write(data[4000..], 6000, 4001));
        Assert.Throws<IntegrityException>(() => ledger.Write(data[3999..], 6001, 3999));
        ledger.Write(data[4000..], 6000, 4000);

        var (length, sha256) = ledger.Finish();
        Assert.Equal(10000, length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), sha256);
        Assert.Equal(data, File.ReadAllBytes(path));
    }
}
