using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;

namespace PgArk.Core.Physical;

/// <summary>The outcome of copying one file into the repository.</summary>
/// <param name="Vanished">The file disappeared before it could be opened (dropped table, removed temp file): not an error.</param>
public sealed record BackupFileResult(SourceFile Source, bool Vanished, long Size, string Sha256, long StoredSize,
    IReadOnlyList<PageChecksumError> PageErrors);

/// <summary>
/// Copies one data-directory file: read → verify page checksums → SHA-256 → compress → atomic write. The read size is
/// whatever the file holds when read; concurrent changes are repaired by WAL replay at restore.
/// </summary>
internal static class BackupFileJob
{
    private const int ChunkSize = 1024 * 1024;
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static async Task<BackupFileResult> RunAsync(SourceFile source, string storedPath, Repository repository,
        PageVerification? verification, IProgress<long>? bytesRead, CancellationToken cancellationToken)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(source.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BackupFileResult(source, Vanished: true, 0, EmptySha256, 0, []);
        }

        using (handle)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            var pageErrors = new List<PageChecksumError>();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            var write = await repository.Storage.OpenWriteAsync(storedPath, WriteOptions.Bulk, cancellationToken).ConfigureAwait(false);
            await using (write.ConfigureAwait(false))
            {
                var counter = new CountingStream(write);
                var compressor = CompressionCodec.OpenCompress(repository.Compression, counter, repository.CompressionLevel, leaveOpen: true);
                try
                {
                    while (true)
                    {
                        var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, ChunkSize), offset, cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }
                        if (verification is not null && source.Relation is { } relation)
                        {
                            verification.Verify(handle, source.RelativePath, relation, buffer.AsSpan(0, read), offset, pageErrors);
                        }
                        hash.AppendData(buffer, 0, read);
                        await compressor.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        offset += read;
                        bytesRead?.Report(read);
                    }
                }
                finally
                {
                    await compressor.DisposeAsync().ConfigureAwait(false);
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (offset == 0)
                {
                    // Empty files are recorded in the manifest only; disposing without completing discards the write.
                    return new BackupFileResult(source, Vanished: false, 0, EmptySha256, 0, pageErrors);
                }
                await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
                return new BackupFileResult(source, Vanished: false, offset, sha, counter.BytesWritten, pageErrors);
            }
        }
    }

    /// <summary>Write-through stream that counts bytes reaching the repository (the "stored size").</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesWritten { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            BytesWritten += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            BytesWritten += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesWritten += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}

/// <summary>
/// Page checksum verification during a backup. Pages written after the backup started (page LSN at or past the start
/// LSN) are skipped: they may be torn, and WAL replay rewrites them. A mismatch is re-read once before it is reported,
/// because PostgreSQL may have been writing the page while we read it.
/// </summary>
internal sealed class PageVerification(Lsn startLsn)
{
    private const int PageSize = RelationFileName.PageSize;

    public void Verify(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, RelationFileName relation,
        ReadOnlySpan<byte> chunk, long chunkOffset, List<PageChecksumError> errors)
    {
        // chunkOffset is always a multiple of the chunk size, itself a multiple of the page size.
        var firstPage = (uint)(chunkOffset / PageSize);
        for (var i = 0; i + PageSize <= chunk.Length; i += PageSize)
        {
            var page = chunk.Slice(i, PageSize);
            var pageInFile = firstPage + (uint)(i / PageSize);
            if (IsValid(page, relation.BlockNumber(pageInFile), out var expected, out var found))
            {
                continue;
            }
            var reread = new byte[PageSize];
            var n = RandomAccess.Read(handle, reread, chunkOffset + i);
            if (n < PageSize || IsValid(reread, relation.BlockNumber(pageInFile), out expected, out found))
            {
                continue;
            }
            errors.Add(new PageChecksumError(path, relation.BlockNumber(pageInFile), expected, found));
        }
    }

    private bool IsValid(ReadOnlySpan<byte> page, uint blockNumber, out ushort expected, out ushort found)
    {
        expected = BinaryPrimitives.ReadUInt16LittleEndian(page[8..]);
        found = expected;
        var upper = BinaryPrimitives.ReadUInt16LittleEndian(page[14..]);
        if (upper == 0)
        {
            // A new page: PostgreSQL accepts it only when it is entirely zero.
            if (!page.ContainsAnyExcept((byte)0))
            {
                return true;
            }
            found = 0;
            return false;
        }
        var lsn = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(page) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);
        if (lsn >= startLsn.Value)
        {
            return true;
        }
        found = PageChecksum.Compute(page, blockNumber);
        return found == expected;
    }
}
