using Microsoft.Extensions.Logging.Abstractions;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Wal;
using PgArk.Tests.TestDoubles;

namespace PgArk.Tests.Wal;

/// <summary>
/// The repository side of <c>pgark stream</c>: a growing .partial copy replaces the previous one, archive-get serves it
/// (padded to a whole segment) only when no repository has the complete segment, a complete segment always wins, and
/// "not in any repository" stays the only not-found answer.
/// </summary>
public sealed class StreamedPartialTests : IDisposable
{
    private const string Server = "pg1";
    private const long SegmentSize = 1 << 20;
    private static readonly WalFileName s_segment = WalFileName.Parse("000000010000000000000003");

    private readonly string _folder = Directory.CreateTempSubdirectory("pgark-partial-").FullName;
    private readonly WalArchiver _archiver = new(NullLogger.Instance);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<Repository> NewRepositoryAsync(string name)
    {
        var repository = new Repository(name, new InMemoryRepositoryStorage(), CompressionType.Zstd, 3);
        await repository.WriteJsonAsync(RepositoryLayout.ServerRecordPath(Server), new ServerRecord
        {
            Name = Server, SystemIdentifier = 7, PgVersionNum = 150004, WalSegmentSize = SegmentSize, CreatedAt = DateTimeOffset.UnixEpoch,
        }, CancellationToken.None);
        return repository;
    }

    private static byte[] Wal(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed)).ToArray();

    private async Task<byte[]> GetAsync(IReadOnlyList<Repository> repositories, WalFileName name)
    {
        var destination = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        await _archiver.GetAsync(Server, name.Name, destination, repositories, prefetch: 0, CancellationToken.None);
        return await File.ReadAllBytesAsync(destination);
    }

    [Fact]
    public async Task GrowingPartial_ReplacesTheOlderCopy_AndIsServedPaddedToASegment()
    {
        var repository = await NewRepositoryAsync("a");
        var first = Wal(100_000, 1);
        var grown = first.Concat(Wal(50_000, 2)).ToArray();
        await _archiver.PushPartialAsync(Server, s_segment, first, [repository], CancellationToken.None);
        await _archiver.PushPartialAsync(Server, s_segment, grown, [repository], CancellationToken.None);

        var copies = await repository.FindWalFilesAsync(Server, WalFileName.Parse(s_segment.Name + ".partial"), CancellationToken.None);
        Assert.Single(copies);
        var served = await GetAsync([repository], s_segment);
        Assert.Equal(SegmentSize, served.Length);
        Assert.True(served.AsSpan(0, grown.Length).SequenceEqual(grown));
        Assert.True(served.AsSpan(grown.Length).IndexOfAnyExcept((byte)0) < 0, "the padding is not zeros");
    }

    [Fact]
    public async Task CompleteSegment_WinsOverAPartial_EvenInALaterRepository()
    {
        var first = await NewRepositoryAsync("a");
        var second = await NewRepositoryAsync("b");
        var complete = Wal((int)SegmentSize, 3);
        await _archiver.PushPartialAsync(Server, s_segment, complete.AsMemory(0, 4096), [first], CancellationToken.None);
        await _archiver.PushAsync(Server, s_segment, complete, [second], CancellationToken.None);

        Assert.True((await GetAsync([first, second], s_segment)).AsSpan().SequenceEqual(complete));

        // Once the complete segment is stored everywhere, its partial copies go.
        await _archiver.PushAsync(Server, s_segment, complete, [first], CancellationToken.None);
        await WalArchiver.RemovePartialsAsync(Server, s_segment, [first, second], CancellationToken.None);
        Assert.Empty(await first.FindWalFilesAsync(Server, WalFileName.Parse(s_segment.Name + ".partial"), CancellationToken.None));
        Assert.True((await GetAsync([first], s_segment)).AsSpan().SequenceEqual(complete));
    }

    [Fact]
    public async Task NeitherCompleteNorPartial_IsNotArchived_ACorruptPartialIsAFetchFailure()
    {
        var repository = await NewRepositoryAsync("a");
        await Assert.ThrowsAsync<WalNotArchivedException>(() => GetAsync([repository], s_segment));

        await _archiver.PushPartialAsync(Server, s_segment, Wal(8192, 4), [repository], CancellationToken.None);
        var stored = (await repository.FindWalFilesAsync(Server, WalFileName.Parse(s_segment.Name + ".partial"), CancellationToken.None)).Single();
        // Same name (so the same recorded SHA-256), other content: the checksum check must refuse it.
        await repository.Storage.DeleteAsync(stored.Entry.Path, CancellationToken.None);
        var write = await repository.Storage.OpenWriteAsync(stored.Entry.Path, PgArk.Core.Storage.WriteOptions.Default, CancellationToken.None);
        await using (write)
        {
            var compressor = CompressionCodec.OpenCompress(CompressionType.Zstd, write, 3, leaveOpen: true);
            await using (compressor)
            {
                await compressor.WriteAsync(Wal(8192, 5));
            }
            await write.CompleteAsync(CancellationToken.None);
        }
        await Assert.ThrowsAsync<WalFetchFailedException>(() => GetAsync([repository], s_segment));
    }
}
