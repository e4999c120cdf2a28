using System.Globalization;
using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;

namespace PgArk.Core.Wal;

/// <summary>One stored chunk of a streamed partial segment: plain bytes [<see cref="Start"/>, <see cref="End"/>) of the segment.</summary>
internal sealed record PartialChunk(WalFileName Partial, long Start, long End, string Sha256, CompressionType Compression, StorageEntry Entry);

/// <summary>
/// The WAL a streamer received after its segment's last <c>.partial</c> copy was written, stored as chunk objects so that
/// each flush costs the new bytes rather than the whole segment. A chunk is stored beside the partial copy as
/// <c>&lt;segment&gt;.partial.&lt;start&gt;.&lt;end&gt;-&lt;sha256&gt;&lt;ext&gt;</c> (offsets within the segment, 8 hex digits),
/// compressed, encrypted and checksummed like every WAL object, and durable (written, fsynced or PUT) before the streamer
/// reports it flushed. The partial segment is the newest <c>.partial</c> copy followed by the chunks that continue it;
/// chunks overlapping the copy or each other are fine (the same timeline's WAL at the same offset is the same bytes).
/// These names are not WAL file names, so listings of archived WAL (<see cref="ArchivedWalFile"/>) skip them.
/// </summary>
internal static class StreamedPartialChunks
{
    /// <summary>The chunks stored for the partial copy <paramref name="partial"/> (<c>&lt;segment&gt;.partial</c>) in one repository.</summary>
    public static async Task<IReadOnlyList<PartialChunk>> ListAsync(Repository repository, string server, WalFileName partial,
        CancellationToken cancellationToken)
    {
        var found = new List<PartialChunk>();
        await foreach (var entry in repository.Storage.ListAsync(RepositoryLayout.WalFolder(server, partial), recursive: false, cancellationToken)
            .ConfigureAwait(false))
        {
            if (TryParse(entry, out var chunk) && chunk.Partial == partial)
            {
                found.Add(chunk);
            }
        }
        return found;
    }

    /// <summary>Every chunk of a server's WAL in one repository (for verify).</summary>
    public static async IAsyncEnumerable<PartialChunk> ListAllAsync(Repository repository, string server,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in repository.Storage.ListAsync(RepositoryLayout.WalRoot(server), recursive: true, cancellationToken).ConfigureAwait(false))
        {
            if (TryParse(entry, out var chunk))
            {
                yield return chunk;
            }
        }
    }

    public static bool TryParse(StorageEntry entry, out PartialChunk chunk)
    {
        chunk = null!;
        var fileName = entry.Path[(entry.Path.LastIndexOf('/') + 1)..];
        // 24 hex digits, ".partial.", 8 hex, ".", 8 hex, "-", 64 hex, extension
        const int nameLength = 24 + 9 + 8 + 1 + 8;
        if (fileName.Length < nameLength + 1 + 64 || fileName[nameLength] != '-' || fileName[41] != '.'
            || !WalFileName.TryParse(fileName[..32], out var partial) || partial.Kind != WalFileKind.Partial || fileName[32] != '.'
            || !uint.TryParse(fileName.AsSpan(33, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !uint.TryParse(fileName.AsSpan(42, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end) || end <= start)
        {
            return false;
        }
        var sha = fileName.Substring(nameLength + 1, 64);
        CompressionType? compression = fileName[(nameLength + 1 + 64)..] switch
        {
            "" => CompressionType.None,
            ".gz" => CompressionType.Gzip,
            ".zst" => CompressionType.Zstd,
            ".lz4" => CompressionType.Lz4,
            _ => null,
        };
        if (compression is null || !sha.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            return false;
        }
        chunk = new PartialChunk(partial, start, end, sha, compression.Value, entry);
        return true;
    }

    /// <summary>
    /// Stores plain bytes [<paramref name="start"/>, start + length) of the segment being streamed as a chunk in every
    /// repository, durable on return. Throws when any repository failed (the streamer then reports no progress and
    /// stores a longer chunk from the same start on its next round).
    /// </summary>
    public static async Task PushAsync(string server, WalFileName segment, long start, ReadOnlyMemory<byte> bytes, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var partial = WalFileName.Parse(segment.Name + ".partial");
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        var name = string.Create(CultureInfo.InvariantCulture, $"{partial.Name}.{start:X8}.{start + bytes.Length:X8}-{sha}");
        var failures = new List<string>();
        foreach (var repository in repositories)
        {
            try
            {
                var write = await repository.Storage.OpenWriteAsync($"{RepositoryLayout.WalFolder(server, partial)}/{name}{repository.Extension}",
                    WriteOptions.Default, cancellationToken).ConfigureAwait(false);
                await using (write.ConfigureAwait(false))
                {
                    var compressor = CompressionCodec.OpenCompress(repository.Compression, write, repository.CompressionLevel, leaveOpen: true);
                    await using (compressor.ConfigureAwait(false))
                    {
                        await compressor.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    }
                    await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PgArkException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"repository '{repository.Name}': {ex.Message}");
            }
        }
        if (failures.Count > 0)
        {
            throw new OperationFailedException(
                $"WAL of partial segment {segment} from offset {start} was not stored in every repository ({string.Join("; ", failures)})");
        }
    }

    /// <summary>
    /// Removes the chunks of a segment's partial that end at or before <paramref name="coveredUpTo"/> (a partial copy of
    /// that length is durable in every repository, or the complete segment is: pass <see cref="long.MaxValue"/>).
    /// </summary>
    public static async Task RemoveAsync(string server, WalFileName segment, long coveredUpTo, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var partial = WalFileName.Parse(segment.Name + ".partial");
        foreach (var repository in repositories)
        {
            foreach (var chunk in await ListAsync(repository, server, partial, cancellationToken).ConfigureAwait(false))
            {
                if (chunk.End <= coveredUpTo)
                {
                    await repository.Storage.DeleteAsync(chunk.Entry.Path, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Appends to <paramref name="output"/> (positioned at its end, holding the partial copy's <paramref name="length"/>
    /// plain bytes) the chunks that continue it, each checked against its SHA-256; returns the new length. A chunk that
    /// starts after the continued end means a hole: a running streamer replaced the copy and its chunks since they were
    /// listed (a retry finds the new copy), or a chunk is missing, which must not look like the end of WAL; either way
    /// <see cref="NotFoundException"/>.
    /// </summary>
    public static async Task<long> AppendAsync(Repository repository, string server, WalFileName partial, Stream output, long length,
        CancellationToken cancellationToken)
    {
        var chunks = await ListAsync(repository, server, partial, cancellationToken).ConfigureAwait(false);
        while (chunks.Where(c => c.Start <= length && c.End > length).MaxBy(c => c.End) is { } next)
        {
            var bytes = await ReadAsync(repository, next, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(bytes.AsMemory((int)(length - next.Start)), cancellationToken).ConfigureAwait(false);
            length = next.End;
        }
        if (chunks.Any(c => c.Start > length))
        {
            throw new NotFoundException(
                $"streamed WAL of {partial} in repository '{repository.Name}' stops at offset {length}, but chunks start after it (replaced meanwhile, or one is missing)");
        }
        return length;
    }

    /// <summary>A chunk's plain bytes, checked against its name's SHA-256 and offsets.</summary>
    public static async Task<byte[]> ReadAsync(Repository repository, PartialChunk chunk, CancellationToken cancellationToken)
    {
        var stream = await repository.Storage.OpenReadAsync(chunk.Entry.Path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var plain = CompressionCodec.OpenDecompress(chunk.Compression, stream, leaveOpen: true);
            await using (plain.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await plain.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                var bytes = buffer.ToArray();
                var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (actual != chunk.Sha256 || bytes.Length != chunk.End - chunk.Start)
                {
                    throw new IntegrityException(
                        $"streamed WAL chunk {chunk.Entry.Path} in repository '{repository.Name}' is corrupt: {bytes.Length} bytes with SHA-256 {actual}, expected {chunk.End - chunk.Start} with {chunk.Sha256}");
                }
                return bytes;
            }
        }
    }
}
