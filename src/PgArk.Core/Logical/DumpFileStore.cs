using System.Buffers;
using System.Threading.Channels;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Storage;

namespace PgArk.Core.Logical;

/// <summary>Streams dump files into and out of a repository: compressed with the repository's codec, hashed on the way.</summary>
internal static class DumpFileStore
{
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Copies <paramref name="source"/> to the repository at <paramref name="path"/>; nothing is kept locally. One task
    /// drains the source into 1 MiB chunks while this one hashes, compresses and writes them: a pipe from pg_dump holds
    /// only 64 KiB, so compressing in the reading loop would stall pg_dump (and its server backend) on every chunk.
    /// </summary>
    public static async Task<DumpFile> StoreAsync(Repository repository, Stream source, string path, string name, CancellationToken cancellationToken)
    {
        var target = await repository.Storage.OpenWriteAsync(path, WriteOptions.Bulk, cancellationToken).ConfigureAwait(false);
        await using var targetScope = target.ConfigureAwait(false);
        var counting = new CountingStream(target, leaveOpen: true);
        var compress = CompressionCodec.OpenCompress(repository.Compression, counting, repository.CompressionLevel, leaveOpen: true);
        var hashing = new HashingStream(compress, leaveOpen: true);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => ReadChunksAsync(source, chunks.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var (buffer, length) in chunks.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await hashing.WriteAsync(buffer.AsMemory(0, length), stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }
        await reader.ConfigureAwait(false);
        var size = hashing.BytesProcessed;
        var sha = hashing.HashHex;
        await hashing.DisposeAsync().ConfigureAwait(false);
        await compress.DisposeAsync().ConfigureAwait(false);
        await counting.DisposeAsync().ConfigureAwait(false);
        await target.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new DumpFile(name, size, counting.BytesProcessed, sha);
    }

    private static async Task ReadChunksAsync(Stream source, ChannelWriter<(byte[] Buffer, int Length)> writer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                var length = 0;
                int read;
                while (length < ChunkSize && (read = await source.ReadAsync(buffer.AsMemory(length, ChunkSize - length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                await writer.WriteAsync((buffer, length), cancellationToken).ConfigureAwait(false);
                if (length < ChunkSize)
                {
                    break;
                }
            }
            writer.Complete();
        }
        catch (Exception ex)
        {
            writer.Complete(ex);
        }
    }

    /// <summary>
    /// Copies a stored file, decompressed, into <paramref name="destination"/>, and checks its size and SHA-256 against
    /// the manifest (exit 5 on mismatch).
    /// </summary>
    public static async Task CopyVerifiedAsync(DumpCatalog catalog, DumpManifest manifest, DumpFile file, Stream destination, CancellationToken cancellationToken)
    {
        var plain = await catalog.OpenFileAsync(manifest, file.Name, cancellationToken).ConfigureAwait(false);
        await using var plainScope = plain.ConfigureAwait(false);
        var hashing = new HashingStream(plain, leaveOpen: true);
        await using var hashingScope = hashing.ConfigureAwait(false);
        await CopyOverlappedAsync(hashing, destination, cancellationToken).ConfigureAwait(false);
        Check(manifest, file, hashing.BytesProcessed, hashing.HashHex);
    }

    /// <summary>
    /// Copies in 1 MiB chunks with two buffers: while one chunk is written, the next is read (decompressed and hashed).
    /// A pipe to pg_restore takes a chunk only as fast as pg_restore loads it, so a plain read-then-write loop would leave
    /// pg_restore waiting for the decompression of every chunk.
    /// </summary>
    internal static async Task CopyOverlappedAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize) };
        Task writing = Task.CompletedTask;
        try
        {
            for (var turn = 0; ; turn ^= 1)
            {
                var buffer = buffers[turn];
                var length = 0;
                int read;
                while (length < ChunkSize && (read = await source.ReadAsync(buffer.AsMemory(length, ChunkSize - length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }
                await writing.ConfigureAwait(false);
                if (length == 0)
                {
                    break;
                }
                writing = destination.WriteAsync(buffer.AsMemory(0, length), cancellationToken).AsTask();
            }
        }
        finally
        {
            // The buffers go back to the pool only once no write uses them.
            await writing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    public static void Check(DumpManifest manifest, DumpFile file, long size, string sha256)
    {
        if (size != file.Size || sha256 != file.Sha256)
        {
            throw new IntegrityException(
                $"dump '{manifest.Id}' file '{file.Name}' does not match its manifest: {size} bytes with SHA-256 {sha256}, expected {file.Size} bytes with {file.Sha256}");
        }
    }

    /// <summary>Writes the whole archive to a local folder (custom format: one file "dump"); returns the path pg_restore reads.</summary>
    public static async Task<string> MaterializeAsync(DumpCatalog catalog, DumpManifest manifest, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(folder, file.Name);
#pragma warning disable CA2000 // disposed by the await using on the next line (the analyzer loses track inside the loop)
            var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
#pragma warning restore CA2000
            await using (output.ConfigureAwait(false))
            {
                await CopyVerifiedAsync(catalog, manifest, file, output, cancellationToken).ConfigureAwait(false);
            }
        }
        return manifest.DumpFormat == DumpFormat.Custom ? Path.Combine(folder, "dump") : folder;
    }

    /// <summary>A private scratch folder under $TMPDIR (0700), removed by the caller.</summary>
    public static string CreateScratchFolder(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pgark-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void DeleteScratchFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
