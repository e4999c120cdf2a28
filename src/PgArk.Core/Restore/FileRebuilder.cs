using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Physical;

namespace PgArk.Core.Restore;

/// <summary>
/// Writes a file as a backup recorded it: the whole stored object, or — for a page delta — the file as the base backup
/// had it with the delta's pages applied on top, recursively down to a whole object. The result is always checked
/// against the SHA-256 the manifest recorded for the complete file.
/// </summary>
internal sealed class FileRebuilder(Repository repository, BackupChain chain, StageProfile? profile = null, bool startWriteback = false)
{
    private readonly StageProfile _profile = profile ?? RestoreStage.Off();
    private readonly bool _startWriteback = startWriteback;
    private const int BufferSize = 1 << 20;
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Writes the file into <paramref name="target"/> (any previous content is replaced) and verifies it.</summary>
    public async Task WriteAsync(string backupId, ManifestFile entry, SafeFileHandle target, Action<long> report, CancellationToken cancellationToken)
    {
        string actual;
        long length;
        try
        {
            if (entry.Delta is null)
            {
                (length, actual) = await CopyObjectAsync(backupId, entry, target, hash: true, report, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await BuildAsync(backupId, entry, target, cancellationToken).ConfigureAwait(false);
                (length, actual) = await HashAsync(target, cancellationToken).ConfigureAwait(false);
                report(length);
            }
        }
        catch (IntegrityException ex)
        {
            throw new IntegrityException($"file '{entry.Path}' cannot be rebuilt from backup {backupId}: {ex.Message}");
        }
        if (length != entry.Size || actual != entry.Sha256)
        {
            throw new IntegrityException(
                $"checksum mismatch restoring '{entry.Path}' from backup {backupId}: expected {entry.Size} bytes with SHA-256 {entry.Sha256}, got {length} bytes with {actual}");
        }
    }

    /// <summary>SHA-256 of a file already on disk (delta restore compares before rewriting).</summary>
    public static async Task<(long Length, string Sha256)> HashAsync(SafeFileHandle file, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long offset = 0;
        try
        {
            int read;
            while ((read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, BufferSize), offset, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (offset, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private async Task BuildAsync(string backupId, ManifestFile entry, SafeFileHandle target, CancellationToken cancellationToken)
    {
        if (entry.Delta is not { } delta)
        {
            await CopyObjectAsync(backupId, entry, target, hash: false, static _ => { }, cancellationToken).ConfigureAwait(false);
            return;
        }
        var baseEntry = await chain.FileAsync(delta.Base, entry.Path, cancellationToken).ConfigureAwait(false);
        await BuildAsync(delta.Base, baseEntry, target, cancellationToken).ConfigureAwait(false);
        var (path, compression) = await chain.ObjectOfAsync(backupId, entry, cancellationToken).ConfigureAwait(false);
        var stored = await OpenObjectAsync(path, entry, backupId, cancellationToken).ConfigureAwait(false);
        await using (stored.ConfigureAwait(false))
        {
            var plain = CompressionCodec.OpenDecompress(compression, stored, leaveOpen: true);
            await using (plain.ConfigureAwait(false))
            {
                await PageDelta.ApplyAsync(plain, target, path, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<(long Length, string Sha256)> CopyObjectAsync(string backupId, ManifestFile entry, SafeFileHandle target, bool hash,
        Action<long> report, CancellationToken cancellationToken)
    {
        if (entry.Size == 0)
        {
            RandomAccess.SetLength(target, 0);
            return (0, EmptySha256);
        }
        var (path, compression) = await chain.ObjectOfAsync(backupId, entry, cancellationToken).ConfigureAwait(false);
        // Every write goes through the ledger, which hashes what the kernel accepted at the offsets it was written to.
        using var ledger = new WrittenFileLedger(target, entry.Path, hash, _profile);
        // Two buffers: while one chunk is written and hashed (and its write-back started) on the thread pool, the next is
        // decompressed. At most one write is in flight, and a buffer is refilled only after its write finished.
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize) };
        Task? pending = null;
        long offset = 0;
        try
        {
            var stored = await OpenObjectAsync(path, entry, backupId, cancellationToken).ConfigureAwait(false);
            var timed = _profile.Enabled ? new TimedReadStream(stored) : null;
            var input = timed ?? stored;
            await using (input.ConfigureAwait(false))
            {
                var plain = CompressionCodec.OpenDecompress(compression, input, leaveOpen: true);
                await using (plain.ConfigureAwait(false))
                {
                    for (var chunk = 0; ; chunk++)
                    {
                        var buffer = buffers[chunk & 1];
                        var readTicks = timed?.Ticks ?? 0;
                        var start = _profile.Start();
                        var read = await ReadFullAsync(plain, buffer, cancellationToken).ConfigureAwait(false);
                        if (_profile.Enabled)
                        {
                            var inputTicks = timed!.Ticks - readTicks;
                            _profile.AddElapsed(RestoreStage.Read, inputTicks);
                            _profile.AddElapsed(RestoreStage.Decompress, System.Diagnostics.Stopwatch.GetTimestamp() - start - inputTicks);
                        }
                        if (read == 0)
                        {
                            break;
                        }
                        if (pending is not null)
                        {
                            await pending.ConfigureAwait(false);
                        }
                        if (chunk == 0 && read < BufferSize)
                        {
                            // The whole file in one chunk (most files of a cluster): no hand-off to another thread.
                            WriteChunk(ledger, target, buffer, read, offset);
                        }
                        else
                        {
                            // A copy of the offset: the loop moves `offset` on while this write may not have started yet.
                            var at = offset;
                            pending = Task.Run(() => WriteChunk(ledger, target, buffer, read, at), cancellationToken);
                        }
                        offset += read;
                        report(read);
                    }
                }
            }
        }
        finally
        {
            if (pending is not null)
            {
                // On failure the buffers go back to the pool only once nothing writes from them any more.
                await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
        if (pending is not null)
        {
            await pending.ConfigureAwait(false);
        }
        var (written, sha256) = ledger.Finish();
        if (RandomAccess.GetLength(target) != written)
        {
            // A replaced file (delta restore, verify's scratch file) may be longer than what was written: cut it to the
            // written prefix, which the ledger proved was written completely.
            RandomAccess.SetLength(target, written);
        }
        return (written, sha256);
    }

    private void WriteChunk(WrittenFileLedger ledger, SafeFileHandle target, byte[] buffer, int count, long offset)
    {
        ledger.Write(buffer, count, offset);
        if (_startWriteback)
        {
            // The page cache would otherwise hold every restored byte until the final fsync pass (background write-back
            // starts at 10 % of memory): start the disk on each chunk now, so the fsyncs find little left to write.
            var start = _profile.Start();
            Libc.StartWriteback(target, offset, count);
            _profile.Add(RestoreStage.Writeback, start);
        }
    }

    private async Task<Stream> OpenObjectAsync(string path, ManifestFile entry, string backupId, CancellationToken cancellationToken)
    {
        try
        {
            return await repository.Storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            throw new IntegrityException($"the stored object {path} for '{entry.Path}' (backup {backupId}) is missing");
        }
    }

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < BufferSize)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total, BufferSize - total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
