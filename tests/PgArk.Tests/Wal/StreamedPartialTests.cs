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

    /// <summary>
    /// A copy named with the right SHA-256 whose write was cut short (an S3 server killed mid-PUT keeps the partial object):
    /// PostgreSQL's retry stores the segment again instead of taking the damaged copy for "already archived".
    /// </summary>
    [Fact]
    public async Task PushRetry_StoredCopyTruncated_IsStoredAgain_NotTakenAsAlreadyArchived()
    {
        var repository = await NewRepositoryAsync("a");
        var segment = Wal((int)SegmentSize, 5);
        Assert.Equal([WalPushOutcome.Stored], await _archiver.PushAsync(Server, s_segment, segment, [repository], CancellationToken.None));
        var stored = (await repository.FindWalAsync(Server, s_segment, CancellationToken.None))!;
        byte[] whole;
        await using (var read = await repository.Storage.OpenReadAsync(stored.Entry.Path, CancellationToken.None))
        using (var copy = new MemoryStream())
        {
            await read.CopyToAsync(copy);
            whole = copy.ToArray();
        }
        var write = await repository.Storage.OpenWriteAsync(stored.Entry.Path, PgArk.Core.Storage.WriteOptions.Default, CancellationToken.None);
        await using (write)
        {
            await write.WriteAsync(whole.AsMemory(0, whole.Length / 2));
            await write.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal([WalPushOutcome.Stored], await _archiver.PushAsync(Server, s_segment, segment, [repository], CancellationToken.None));
        Assert.Equal(segment, await GetAsync([repository], s_segment));
        Assert.Equal([WalPushOutcome.AlreadyArchived], await _archiver.PushAsync(Server, s_segment, segment, [repository], CancellationToken.None));
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

    [Fact]
    public async Task Chunks_ContinueThePartialCopy_OverlapsAreFine_ACoveringCopyRemovesThem()
    {
        var repository = await NewRepositoryAsync("a");
        var wal = Wal(300_000, 6);
        await _archiver.PushPartialAsync(Server, s_segment, wal.AsMemory(0, 100_000), [repository], CancellationToken.None);
        await StreamedPartialChunks.PushAsync(Server, s_segment, 100_000, wal.AsMemory(100_000, 50_000), [repository], CancellationToken.None);
        // A retried round stores a longer chunk from the same start (the first one reached only some repositories).
        await StreamedPartialChunks.PushAsync(Server, s_segment, 100_000, wal.AsMemory(100_000, 120_000), [repository], CancellationToken.None);
        await StreamedPartialChunks.PushAsync(Server, s_segment, 220_000, wal.AsMemory(220_000, 80_000), [repository], CancellationToken.None);
        // Chunk names are no WAL file names: WAL listings skip them.
        await foreach (var file in repository.ListWalAsync(Server, CancellationToken.None))
        {
            Assert.Equal(s_segment.Name + ".partial", file.Name.Name);
        }

        var served = await GetAsync([repository], s_segment);
        Assert.Equal(SegmentSize, served.Length);
        Assert.True(served.AsSpan(0, wal.Length).SequenceEqual(wal));
        Assert.True(served.AsSpan(wal.Length).IndexOfAnyExcept((byte)0) < 0, "the padding is not zeros");

        // A longer copy makes the chunks it covers redundant; the chunk reaching past it still continues it.
        var partial = WalFileName.Parse(s_segment.Name + ".partial");
        await _archiver.PushPartialAsync(Server, s_segment, wal.AsMemory(0, 250_000), [repository], CancellationToken.None);
        await StreamedPartialChunks.RemoveAsync(Server, s_segment, 250_000, [repository], CancellationToken.None);
        Assert.Equal([(220_000L, 300_000L)], (await StreamedPartialChunks.ListAsync(repository, Server, partial, CancellationToken.None))
            .Select(c => (c.Start, c.End)));
        Assert.True((await GetAsync([repository], s_segment)).AsSpan(0, wal.Length).SequenceEqual(wal));
    }

    [Fact]
    public async Task ChunkAfterAHole_IsAFetchFailure_NotAShorterSegment_ACorruptChunkToo()
    {
        var repository = await NewRepositoryAsync("a");
        var wal = Wal(200_000, 7);
        await _archiver.PushPartialAsync(Server, s_segment, wal.AsMemory(0, 100_000), [repository], CancellationToken.None);
        await StreamedPartialChunks.PushAsync(Server, s_segment, 150_000, wal.AsMemory(150_000, 50_000), [repository], CancellationToken.None);
        await Assert.ThrowsAsync<WalFetchFailedException>(() => GetAsync([repository], s_segment));

        // The hole filled, but the chunk after it holds other bytes than its name says.
        await StreamedPartialChunks.PushAsync(Server, s_segment, 100_000, wal.AsMemory(100_000, 50_000), [repository], CancellationToken.None);
        Assert.True((await GetAsync([repository], s_segment)).AsSpan(0, wal.Length).SequenceEqual(wal));
        var partial = WalFileName.Parse(s_segment.Name + ".partial");
        var last = (await StreamedPartialChunks.ListAsync(repository, Server, partial, CancellationToken.None)).Single(c => c.Start == 150_000);
        await repository.Storage.DeleteAsync(last.Entry.Path, CancellationToken.None);
        var write = await repository.Storage.OpenWriteAsync(last.Entry.Path, PgArk.Core.Storage.WriteOptions.Default, CancellationToken.None);
        await using (write)
        {
            var compressor = CompressionCodec.OpenCompress(CompressionType.Zstd, write, 3, leaveOpen: true);
            await using (compressor)
            {
                await compressor.WriteAsync(Wal(50_000, 8));
            }
            await write.CompleteAsync(CancellationToken.None);
        }
        await Assert.ThrowsAsync<WalFetchFailedException>(() => GetAsync([repository], s_segment));
        await Assert.ThrowsAsync<IntegrityException>(() => StreamedPartialChunks.ReadAsync(repository, last, CancellationToken.None));
    }
}
