using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using PgArk.Core.Catalog;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;

namespace PgArk.Core.Physical;

/// <summary>A page-level delta: how many pages it holds and the SHA-256 of its plain form.</summary>
internal sealed record DeltaFileResult(BackupFileResult File, int Pages, string DeltaSha256);

/// <summary>The outcome of copying one file into the repository.</summary>
/// <param name="Vanished">The file disappeared before it could be opened (dropped table, removed temp file): not an error.</param>
/// <param name="BlockMap">The file's per-page fingerprints (base64, see <see cref="Physical.BlockMap"/>) when asked for, else null.</param>
internal sealed record BackupFileResult(SourceFile Source, bool Vanished, long Size, string Sha256, long StoredSize,
    IReadOnlyList<PageChecksumError> PageErrors, string? BlockMap = null);

/// <summary>
/// How a page delta decides which pages may differ from the parent's copy: by page LSN (at or after the parent's start),
/// which is exact only when every page change is WAL-logged, or by content against the parent's block map.
/// </summary>
internal sealed record PageSelection(Lsn ParentStartLsn, BlockMap? ParentMap)
{
    /// <summary>True when <paramref name="page"/> (block <paramref name="block"/> of the file) must go into the delta.</summary>
    public bool Changed(long block, long parentPages, ReadOnlySpan<byte> page)
    {
        if (block >= parentPages)
        {
            return true;
        }
        if (ParentMap is { } map)
        {
            return !map.SamePage(block, page);
        }
        // All-zero pages: a relation truncated and re-extended after the parent started has zero pages whose old
        // content must not survive.
        return PageLsn(page) >= ParentStartLsn.Value || !page.ContainsAnyExcept((byte)0);
    }

    private static ulong PageLsn(ReadOnlySpan<byte> page) =>
        ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(page) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);
}

/// <summary>The whole-file SHA-256 and, when asked for, the block map, fed in file order.</summary>
internal sealed class ContentDigest(bool withBlockMap) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly BlockMap.Builder? _map = withBlockMap ? new BlockMap.Builder() : null;

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        _map?.Append(data);
    }

    public string Sha256Hex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public string? BlockMapBase64() => _map?.ToBase64();

    public void Dispose() => _hash.Dispose();
}

/// <summary>The parent backup's copy of a file: a new copy with the same size and hash is discarded instead of stored.</summary>
internal readonly record struct ParentCopy(long Size, string Sha256)
{
    public bool Matches(long size, string sha256) => Size == size && Sha256 == sha256;
}

/// <summary>
/// Copies one data-directory file: read → verify page checksums → SHA-256 → compress → atomic write. The read size is
/// whatever the file holds when read; concurrent changes are repaired by WAL replay at restore.
/// </summary>
internal static class BackupFileJob
{
    private const int ChunkSize = 1024 * 1024;
    private const int FrameSize = 4 * 1024 * 1024;
    private const long ParallelFrameThreshold = 16L * 1024 * 1024;
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <param name="writes">Completes the write (possibly in the background); null completes it before returning.</param>
    /// <param name="parent">When the copy turns out identical to this, it is discarded (StoredSize 0).</param>
    /// <param name="withBlockMap">Also compute the file's block map (<see cref="BackupFileResult.BlockMap"/>).</param>
    public static async Task<BackupFileResult> RunAsync(SourceFile source, string storedPath, Repository repository,
        PageVerification? verification, IProgress<long>? bytesRead, WriteCompletionQueue? writes, ParentCopy? parent,
        CancellationToken cancellationToken, bool withBlockMap = false)
    {
        SafeFileHandle handle;
        try
        {
#pragma warning disable CA2000 // disposed by the using (handle) below once opened (the analyzer does not follow the try/catch assignment)
            handle = File.OpenHandle(source.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
#pragma warning restore CA2000
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BackupFileResult(source, Vanished: true, 0, EmptySha256, 0, []);
        }

        using (handle)
        {
            var pageErrors = new List<PageChecksumError>();
            using var hash = new ContentDigest(withBlockMap);
            long offset = 0;
            var write = await repository.Storage.OpenWriteAsync(storedPath, WriteOptions.Bulk, cancellationToken).ConfigureAwait(false);
            var handedOver = false;
            try
            {
                using var counter = new CountingStream(write, leaveOpen: true);
                if (source.Size >= ParallelFrameThreshold)
                {
                    offset = await CopyInParallelFramesAsync(handle, source, counter, repository, verification, pageErrors, hash, bytesRead,
                        cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    offset = await CopyAsOneFrameAsync(handle, source, counter, ArrayPool<byte>.Shared.Rent(ChunkSize), repository, verification, pageErrors, hash, bytesRead,
                        cancellationToken).ConfigureAwait(false);
                }
                var sha = hash.Sha256Hex();
                var map = hash.BlockMapBase64();
                if (offset == 0)
                {
                    // Empty files are recorded in the manifest only; disposing without completing discards the write.
                    return new BackupFileResult(source, Vanished: false, 0, EmptySha256, 0, pageErrors);
                }
                if (parent is { } same && same.Matches(offset, sha))
                {
                    return new BackupFileResult(source, Vanished: false, offset, sha, 0, pageErrors, map);
                }
                handedOver = true;
                await CompleteAsync(write, writes, cancellationToken).ConfigureAwait(false);
                return new BackupFileResult(source, Vanished: false, offset, sha, counter.BytesProcessed, pageErrors, map);
            }
            finally
            {
                if (!handedOver)
                {
                    await write.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Hands the finished write over to <paramref name="writes"/>, or completes and disposes it now.</summary>
    private static async Task CompleteAsync(RepositoryWriteStream write, WriteCompletionQueue? writes, CancellationToken cancellationToken)
    {
        if (writes is not null)
        {
            await writes.CompleteAsync(write).ConfigureAwait(false);
            return;
        }
        await using (write.ConfigureAwait(false))
        {
            await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores only the pages of a relation file that may differ from the parent backup's copy (<see cref="PageSelection"/>)
    /// and the pages past the parent's end of file. The whole file is still read, hashed and page-verified, so
    /// <see cref="BackupFileResult.Sha256"/> is the hash of the complete file.
    /// </summary>
    public static async Task<DeltaFileResult> RunDeltaAsync(SourceFile source, string storedPath, Repository repository,
        PageVerification? verification, PageSelection selection, ParentCopy parent, IProgress<long>? bytesRead,
        WriteCompletionQueue? writes, bool withBlockMap, CancellationToken cancellationToken)
    {
        const int pageSize = RelationFileName.PageSize;
        SafeFileHandle handle;
        try
        {
#pragma warning disable CA2000 // disposed by the using (handle) below once opened (the analyzer does not follow the try/catch assignment)
            handle = File.OpenHandle(source.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
#pragma warning restore CA2000
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new DeltaFileResult(new BackupFileResult(source, Vanished: true, 0, EmptySha256, 0, []), 0, EmptySha256);
        }
        using (handle)
        {
            var parentPages = parent.Size / pageSize;
            var pageErrors = new List<PageChecksumError>();
            using var fileHash = new ContentDigest(withBlockMap);
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            var scratch = new byte[4];
            var pages = 0;
            long offset = 0;
            var write = await repository.Storage.OpenWriteAsync(storedPath, WriteOptions.Bulk, cancellationToken).ConfigureAwait(false);
            var handedOver = false;
            try
            {
                var counter = new CountingStream(write, leaveOpen: true);
                var compressor = CompressionCodec.OpenCompress(repository.Compression, counter, repository.CompressionLevel, leaveOpen: true);
                try
                {
                    // verify checks the plain delta against this hash without rebuilding the file.
                    var plain = new HashingStream(compressor, leaveOpen: true);
                    await PageDelta.WriteHeaderAsync(plain, pageSize, cancellationToken).ConfigureAwait(false);
                    while (true)
                    {
                        var read = await ReadFullAsync(handle, buffer.AsMemory(0, ChunkSize), offset, cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }
                        Inspect(handle, source, buffer.AsSpan(0, read), offset, verification, pageErrors, fileHash);
                        for (var at = 0; at < read; at += pageSize)
                        {
                            var block = (offset + at) / pageSize;
                            var length = Math.Min(pageSize, read - at);
                            if (length < pageSize)
                            {
                                // A page being extended while we read: store it padded; the recorded size cuts it.
                                Array.Clear(buffer, at + length, pageSize - length);
                            }
                            var page = buffer.AsMemory(at, pageSize);
                            if (selection.Changed(block, parentPages, page.Span))
                            {
                                await PageDelta.WritePageAsync(plain, (uint)block, page, scratch, cancellationToken).ConfigureAwait(false);
                                pages++;
                            }
                        }
                        offset += read;
                        bytesRead?.Report(read);
                    }
                    await PageDelta.WriteTrailerAsync(plain, offset, cancellationToken).ConfigureAwait(false);
                    var deltaSha = plain.HashHex;
                    await plain.DisposeAsync().ConfigureAwait(false);
                    await compressor.DisposeAsync().ConfigureAwait(false);
                    var sha = fileHash.Sha256Hex();
                    var map = fileHash.BlockMapBase64();
                    if (parent.Matches(offset, sha))
                    {
                        var same = new BackupFileResult(source, Vanished: false, offset, sha, 0, pageErrors, map);
                        return new DeltaFileResult(same, pages, deltaSha);
                    }
                    handedOver = true;
                    await CompleteAsync(write, writes, cancellationToken).ConfigureAwait(false);
                    var stored = new BackupFileResult(source, Vanished: false, offset, sha, counter.BytesProcessed, pageErrors, map);
                    return new DeltaFileResult(stored, pages, deltaSha);
                }
                finally
                {
                    await compressor.DisposeAsync().ConfigureAwait(false);
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            finally
            {
                if (!handedOver)
                {
                    await write.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<long> CopyAsOneFrameAsync(SafeFileHandle handle, SourceFile source, Stream output, byte[] buffer, Repository repository,
        PageVerification? verification, List<PageChecksumError> pageErrors, ContentDigest hash, IProgress<long>? bytesRead,
        CancellationToken cancellationToken)
    {
        long offset = 0;
        var compressor = CompressionCodec.OpenCompress(repository.Compression, output, repository.CompressionLevel, leaveOpen: true);
        try
        {
            while (true)
            {
                var read = await ReadFullAsync(handle, buffer.AsMemory(0, ChunkSize), offset, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                Inspect(handle, source, buffer.AsSpan(0, read), offset, verification, pageErrors, hash);
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
        return offset;
    }

    /// <summary>
    /// Large files (a 1 GiB relation segment) would keep one core busy while the others sit idle at the end of a backup.
    /// The reader hashes and verifies in order, and each 4 MiB chunk is compressed as an independent frame on the
    /// thread pool; frames are written in order. Concatenated frames are one valid zstd, lz4 or gzip stream.
    /// </summary>
    private static async Task<long> CopyInParallelFramesAsync(SafeFileHandle handle, SourceFile source, Stream output, Repository repository,
        PageVerification? verification, List<PageChecksumError> pageErrors, ContentDigest hash, IProgress<long>? bytesRead,
        CancellationToken cancellationToken)
    {
        var inFlight = new Queue<Task<CompressedFrame>>();
        var maxInFlight = Environment.ProcessorCount + 1;
        long offset = 0;
        try
        {
            while (true)
            {
                var chunk = ArrayPool<byte>.Shared.Rent(FrameSize);
                var read = await ReadFullAsync(handle, chunk.AsMemory(0, FrameSize), offset, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                    break;
                }
                Inspect(handle, source, chunk.AsSpan(0, read), offset, verification, pageErrors, hash);
                offset += read;
                bytesRead?.Report(read);
                inFlight.Enqueue(Task.Run(() => CompressFrame(repository, chunk, read), cancellationToken));
                while (inFlight.Count >= maxInFlight)
                {
                    await WriteFrameAsync(inFlight.Dequeue(), output, cancellationToken).ConfigureAwait(false);
                }
            }
            while (inFlight.Count > 0)
            {
                await WriteFrameAsync(inFlight.Dequeue(), output, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // On failure, let the remaining compressions finish so their pooled buffers return to the pool.
            foreach (var pending in inFlight)
            {
                try
                {
                    ArrayPool<byte>.Shared.Return((await pending.ConfigureAwait(false)).Buffer);
                }
                catch (Exception ex) when (ex is OperationCanceledException or PgArkException)
                {
                    // Already failing; the first error is the one reported.
                }
            }
        }
        return offset;
    }

    private readonly record struct CompressedFrame(byte[] Buffer, int Length);

    private static CompressedFrame CompressFrame(Repository repository, byte[] chunk, int length)
    {
        try
        {
            var frame = new PooledBufferStream(length / 2 + 4096);
            using (var compressor = CompressionCodec.OpenCompress(repository.Compression, frame, repository.CompressionLevel, leaveOpen: true))
            {
                compressor.Write(chunk, 0, length);
            }
            return new CompressedFrame(frame.Buffer, frame.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task WriteFrameAsync(Task<CompressedFrame> pending, Stream output, CancellationToken cancellationToken)
    {
        var frame = await pending.ConfigureAwait(false);
        try
        {
            await output.WriteAsync(frame.Buffer.AsMemory(0, frame.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer);
        }
    }

    private static void Inspect(SafeFileHandle handle, SourceFile source, ReadOnlySpan<byte> data, long offset, PageVerification? verification,
        List<PageChecksumError> pageErrors, ContentDigest hash)
    {
        if (verification is not null && source.Relation is { } relation)
        {
            verification.Verify(handle, source.RelativePath, relation, data, offset, pageErrors);
        }
        hash.Append(data);
    }

    /// <summary>Reads until the buffer is full or the file ends (pread may return less than asked).</summary>
    private static async Task<int> ReadFullAsync(SafeFileHandle handle, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    /// <summary>A growable write-only buffer rented from the shared pool (frames are handed over without copying).</summary>
    private sealed class PooledBufferStream(int initialCapacity) : Stream
    {
        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(initialCapacity);
        public int Count { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Count;
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (Count + data.Length > Buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length * 2, Count + data.Length));
                Buffer.AsSpan(0, Count).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = larger;
            }
            data.CopyTo(Buffer.AsSpan(Count));
            Count += data.Length;
        }
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
