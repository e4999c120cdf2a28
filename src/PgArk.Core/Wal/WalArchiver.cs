using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;

namespace PgArk.Core.Wal;

public enum WalPushOutcome
{
    Stored,
    /// <summary>The repository already held this file with identical content (PostgreSQL retried after a crash).</summary>
    AlreadyArchived,
}

/// <summary>
/// archive-push and archive-get: the two halves of continuous archiving. Push is idempotent for identical content and
/// refuses different content under the same name (a sign of two clusters sharing one repository, or corruption).
/// </summary>
internal sealed class WalArchiver(ILogger logger)
{
    /// <summary>Segments pushed ahead per call while a repository is failing (see <see cref="PushReadyAheadAsync"/>).</summary>
    private const int ReadAheadLimit = 64;

    /// <summary>
    /// Stores the WAL file at <paramref name="walPath"/> in every repository. Returns per-repository outcomes. A repository
    /// that fails does not keep the others from storing the file; the failure is thrown afterwards, so PostgreSQL keeps
    /// the segment and retries (a repeated push of identical content succeeds).
    /// </summary>
    public async Task<IReadOnlyList<WalPushOutcome>> PushAsync(string server, string walPath, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(Path.GetFileName(walPath));
        var content = await ReadWalAsync(walPath, cancellationToken).ConfigureAwait(false);
        return await PushContentAsync(server, name, content, walPath, repositories, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Like <see cref="PushAsync(string, string, IReadOnlyList{Repository}, CancellationToken)"/>; returns the SHA-256 of what was stored.</summary>
    internal async Task<string> PushFileAsync(string server, string walPath, IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(Path.GetFileName(walPath));
        var content = await ReadWalAsync(walPath, cancellationToken).ConfigureAwait(false);
        await PushContentAsync(server, name, content, walPath, repositories, cancellationToken).ConfigureAwait(false);
        return content.Sha256;
    }

    /// <summary>
    /// Stores a complete WAL file held in memory (a segment received by <c>pgark stream</c>) exactly like archive-push
    /// stores a file: same object name, codec, encryption, SHA-256, every repository, same refusal of different content.
    /// </summary>
    public Task<IReadOnlyList<WalPushOutcome>> PushAsync(string server, WalFileName name, ReadOnlyMemory<byte> content,
        IReadOnlyList<Repository> repositories, CancellationToken cancellationToken) =>
        PushContentAsync(server, name, new WalContent(content, Convert.ToHexStringLower(SHA256.HashData(content.Span))), null, repositories,
            cancellationToken);

    private async Task<IReadOnlyList<WalPushOutcome>> PushContentAsync(string server, WalFileName name, WalContent content, string? walPath,
        IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        var outcomes = new List<WalPushOutcome>();
        var healthy = new List<Repository>();
        var failures = new List<(Repository Repository, PgArkException Failure)>();
        foreach (var repository in repositories)
        {
            try
            {
                outcomes.Add(await PushOneAsync(server, name, content, repository, cancellationToken).ConfigureAwait(false));
                healthy.Add(repository);
            }
            catch (PgArkException ex) when (repositories.Count > 1 && !cancellationToken.IsCancellationRequested)
            {
                logger.LogError("unable to push WAL file {Name} to repository '{Repository}': {Message}", name, repository.Name, ex.Message);
                failures.Add((repository, ex));
            }
        }
        if (failures.Count == 0)
        {
            return outcomes;
        }
        if (healthy.Count > 0 && walPath is not null)
        {
            await PushReadyAheadAsync(server, walPath, name, healthy, cancellationToken).ConfigureAwait(false);
        }
        var message = string.Join("; ", failures.Select(f => $"repository '{f.Repository.Name}': {f.Failure.Message}"));
        throw new PgArkException(failures[0].Failure.Kind,
            $"WAL file {name} was not stored in every repository ({message})" +
            (healthy.Count > 0 ? $"; stored in {string.Join(", ", healthy.Select(h => $"'{h.Name}'"))}" : ""),
            "PostgreSQL keeps the file and retries; fix the failing repository", failures[0].Failure);
    }

    /// <summary>
    /// While one repository fails, PostgreSQL retries the same segment and hands over no later one, so the healthy
    /// repositories would fall behind too. Instead, push the segments PostgreSQL has marked ready
    /// (<c>archive_status/*.ready</c> beside the file) to the healthy repositories now; when PostgreSQL gets to them
    /// they are already there and only the failing repository still needs them.
    /// </summary>
    private async Task PushReadyAheadAsync(string server, string walPath, WalFileName current, IReadOnlyList<Repository> healthy,
        CancellationToken cancellationToken)
    {
        var walFolder = Path.GetDirectoryName(Path.GetFullPath(walPath))!;
        var statusFolder = Path.Combine(walFolder, "archive_status");
        if (!Directory.Exists(statusFolder))
        {
            return;
        }
        var ready = Directory.EnumerateFiles(statusFolder, "*.ready")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => n != current.Name && WalFileName.TryParse(n, out _))
            .Order(StringComparer.Ordinal)
            .Take(ReadAheadLimit)
            .ToList();
        foreach (var readyName in ready)
        {
            WalContent content;
            try
            {
                content = await ReadWalAsync(Path.Combine(walFolder, readyName), cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                continue;
            }
            foreach (var repository in healthy)
            {
                try
                {
                    await PushOneAsync(server, WalFileName.Parse(readyName), content, repository, cancellationToken).ConfigureAwait(false);
                }
                catch (PgArkException ex)
                {
                    logger.LogWarning("unable to push ready WAL file {Name} ahead to repository '{Repository}': {Message}", readyName, repository.Name, ex.Message);
                }
            }
        }
    }

    /// <summary>A WAL file read once, hashed once, and pushed to each repository.</summary>
    private sealed record WalContent(ReadOnlyMemory<byte> Bytes, string Sha256);

    private static async Task<WalContent> ReadWalAsync(string walPath, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(walPath, cancellationToken).ConfigureAwait(false);
            return new WalContent(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NotFoundException($"WAL file '{walPath}' does not exist");
        }
    }

    private async Task<WalPushOutcome> PushOneAsync(string server, WalFileName name, WalContent content, Repository repository,
        CancellationToken cancellationToken)
    {
        var sha = content.Sha256;
        var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
        CheckSegmentHeader(name, content.Bytes.Span, record, server);
        var existing = await repository.FindWalAsync(server, name, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            if (existing.Sha256 != sha)
            {
                throw new IntegrityException(
                    $"WAL file {name} is already in repository '{repository.Name}' with different content (stored SHA-256 {existing.Sha256}, pushed {sha})",
                    "two clusters may be archiving into the same server area; the stored file was left untouched");
            }
            // The name carries the content's SHA-256, but a copy whose write was cut short (an S3 server killed mid-PUT can
            // keep the partial object; a damaged disk) would be named the same: only a copy that reads back whole counts.
            if (await StoredCopyProblemAsync(repository, existing, cancellationToken).ConfigureAwait(false) is not { } problem)
            {
                logger.LogInformation("WAL file {Name} already archived in repository '{Repository}' with identical content", name, repository.Name);
                return WalPushOutcome.AlreadyArchived;
            }
            logger.LogWarning("WAL file {Name} in repository '{Repository}' does not read back ({Problem}): storing it again", name,
                repository.Name, problem);
        }
        await WriteObjectAsync(repository, server, name, content, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("pushed WAL file {Name} to repository '{Repository}'", name, repository.Name);
        return WalPushOutcome.Stored;
    }

    /// <summary>Why the stored copy does not read back as the content its name promises, or null when it does.</summary>
    private static async Task<string?> StoredCopyProblemAsync(Repository repository, ArchivedWalFile stored, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await repository.Storage.OpenReadAsync(stored.Entry.Path, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var plain = CompressionCodec.OpenDecompress(stored.Compression, stream, leaveOpen: true);
                await using (plain.ConfigureAwait(false))
                {
                    var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(plain, cancellationToken).ConfigureAwait(false));
                    return actual == stored.Sha256 ? null : $"SHA-256 {actual}";
                }
            }
        }
        catch (Exception ex) when (ex is PgArkException or IOException or InvalidDataException)
        {
            return ex.Message;
        }
    }

    /// <summary>The one way a WAL object is written: compressed with the repository's codec, named by its SHA-256, durable on return.</summary>
    private static async Task WriteObjectAsync(Repository repository, string server, WalFileName name, WalContent content,
        CancellationToken cancellationToken)
    {
        var path = $"{RepositoryLayout.WalFolder(server, name)}/{RepositoryLayout.WalStoredName(name, content.Sha256, repository.Extension)}";
        var write = await repository.Storage.OpenWriteAsync(path, WriteOptions.Default, cancellationToken).ConfigureAwait(false);
        await using (write.ConfigureAwait(false))
        {
            var compressor = CompressionCodec.OpenCompress(repository.Compression, write, repository.CompressionLevel, leaveOpen: true);
            await using (compressor.ConfigureAwait(false))
            {
                await compressor.WriteAsync(content.Bytes, cancellationToken).ConfigureAwait(false);
            }
            await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores the received part of the segment being streamed as <c>&lt;segment&gt;.partial</c> in every repository, then
    /// removes the older partial copies of that segment (the new one is durable first, so a partial is always there).
    /// Unlike a complete segment, a partial grows: a different content under the same name is expected here.
    /// Throws when any repository failed (the streamer then reports no progress and retries).
    /// </summary>
    public async Task PushPartialAsync(string server, WalFileName segment, ReadOnlyMemory<byte> content, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(segment.Name + ".partial");
        var walContent = new WalContent(content, Convert.ToHexStringLower(SHA256.HashData(content.Span)));
        var failures = new List<string>();
        foreach (var repository in repositories)
        {
            try
            {
                var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
                CheckSegmentHeader(name, content.Span, record, server);
                var older = await repository.FindWalFilesAsync(server, name, cancellationToken).ConfigureAwait(false);
                if (!older.Any(o => o.Sha256 == walContent.Sha256))
                {
                    await WriteObjectAsync(repository, server, name, walContent, cancellationToken).ConfigureAwait(false);
                }
                foreach (var old in older.Where(o => o.Sha256 != walContent.Sha256))
                {
                    await repository.Storage.DeleteAsync(old.Entry.Path, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PgArkException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"repository '{repository.Name}': {ex.Message}");
            }
        }
        if (failures.Count > 0)
        {
            throw new OperationFailedException($"partial WAL segment {segment} was not stored in every repository ({string.Join("; ", failures)})");
        }
    }

    /// <summary>Removes the partial copies of a segment once the complete segment is stored in every repository.</summary>
    public static async Task RemovePartialsAsync(string server, WalFileName segment, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(segment.Name + ".partial");
        foreach (var repository in repositories)
        {
            foreach (var old in await repository.FindWalFilesAsync(server, name, cancellationToken).ConfigureAwait(false))
            {
                await repository.Storage.DeleteAsync(old.Entry.Path, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Restores an archived WAL file to <paramref name="destination"/>, checking its SHA-256 before the file appears.
    /// Repositories are tried in order; one that cannot be read, lacks the server's record, or holds a corrupt copy is
    /// skipped for the next. Throws <see cref="WalNotArchivedException"/> only when every repository was read and none
    /// has the file (PostgreSQL's "end of the archive"); when any repository failed and none served the file, throws
    /// <see cref="WalFetchFailedException"/>, which archive-get reports so that recovery stops instead of promoting.
    /// </summary>
    /// <param name="prefetch">
    /// Segments to keep fetched ahead in the data directory's spool (<see cref="WalPrefetchSpool"/>); 0 fetches only
    /// what is asked for. Only used when <paramref name="destination"/> is in a data directory's pg_wal.
    /// </param>
    /// <returns>The repository that served the file, or the spool.</returns>
    public async Task<string> GetAsync(string server, string walName, string destination, IReadOnlyList<Repository> repositories,
        int prefetch, CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(walName);
        var spool = prefetch > 0 && name.Kind == WalFileKind.Segment ? WalPrefetchSpool.ForDestination(destination) : null;
        if (spool is null)
        {
            return (await FetchAsync(server, name, destination, repositories, cancellationToken, allowPartial: true).ConfigureAwait(false)).Repository;
        }
        spool.Prune(name.Name);
        var served = await spool.TryServeAsync(name.Name, destination, m => logger.LogWarning("{Message}", m), cancellationToken)
            .ConfigureAwait(false);
        string source;
        long segmentSize;
        if (served is long size)
        {
            (source, segmentSize) = ("prefetch spool", size);
        }
        else
        {
            Fetched fetched;
            try
            {
                fetched = await FetchAsync(server, name, destination, repositories, cancellationToken, allowPartial: true).ConfigureAwait(false);
            }
            catch (WalNotArchivedException)
            {
                // The end of the archive: recovery ends here (or switches timeline), nothing spooled will be asked for.
                spool.Delete();
                throw;
            }
            (source, segmentSize) = (fetched.Repository, fetched.WalSegmentSize);
        }
        await RefillSpoolAsync(spool, server, name, segmentSize, prefetch, repositories, cancellationToken).ConfigureAwait(false);
        return source;
    }

    /// <summary>
    /// Once fewer than half of <paramref name="prefetch"/> segments are spooled ahead, fetches the missing ones in
    /// parallel, so most calls are served locally and the others pay one round of repository latency for many segments.
    /// A segment that cannot be prefetched is left to its own archive-get call, which reports it.
    /// </summary>
    private async Task RefillSpoolAsync(WalPrefetchSpool spool, string server, WalFileName current, long segmentSize, int prefetch,
        IReadOnlyList<Repository> repositories, CancellationToken cancellationToken)
    {
        var spooled = spool.SegmentsAfter(current.Name);
        if (spooled.Count * 2 > prefetch)
        {
            return;
        }
        var first = current.SegmentNumber(segmentSize) + 1;
        var wanted = Enumerable.Range(0, prefetch)
            .Select(i => WalFileName.SegmentFileName(current.Timeline, first + (ulong)i, segmentSize))
            .Where(n => !spooled.Contains(n))
            .ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(prefetch, 4), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(wanted, parallel,
            async (segment, ct) =>
            {
                try
                {
                    var fetched = await FetchAsync(server, WalFileName.Parse(segment), spool.DownloadPath(segment), repositories, ct)
                        .ConfigureAwait(false);
                    spool.Commit(segment, fetched.Sha256);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogDebug("WAL file {Name} not prefetched: {Message}", segment, ex.Message);
                }
            }).ConfigureAwait(false);
    }

    /// <summary>Where a WAL file came from, its recorded SHA-256, and the server's segment size.</summary>
    private sealed record Fetched(string Repository, string Sha256, long WalSegmentSize);

    /// <param name="allowPartial">
    /// Serve a streamed <c>.partial</c> copy (padded to a whole segment) when no repository has the complete segment; not
    /// for prefetching, which must never hold a segment that may still be completed.
    /// </param>
    private async Task<Fetched> FetchAsync(string server, WalFileName name, string destination, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken, bool allowPartial = false)
    {
        if (await FirstRepositoryAsync(name, name, repositories,
                repository => TryGetOneAsync(server, name, destination, repository, cancellationToken), cancellationToken)
            .ConfigureAwait(false) is { } complete)
        {
            return complete;
        }
        if (allowPartial && name.Kind == WalFileKind.Segment)
        {
            // No repository holds the complete segment (each was read, so a complete copy always wins): the newest WAL
            // of a streamed server is its .partial segment, which recovery to latest must replay too.
            var partial = WalFileName.Parse(name.Name + ".partial");
            if (await FirstRepositoryAsync(partial, name, repositories,
                    async repository =>
                    {
                        try
                        {
                            return await TryGetOneAsync(server, partial, destination, repository, cancellationToken, padToSegment: true)
                                .ConfigureAwait(false);
                        }
                        catch (NotFoundException)
                        {
                            // A running streamer replaced the copy between listing and reading: the newer one is there.
                            return await TryGetOneAsync(server, partial, destination, repository, cancellationToken, padToSegment: true)
                                .ConfigureAwait(false);
                        }
                    }, cancellationToken).ConfigureAwait(false) is { } streamed)
            {
                logger.LogInformation("WAL file {Name} served from its streamed partial copy in repository '{Repository}'", name, streamed.Repository);
                return streamed;
            }
        }
        throw new WalNotArchivedException($"WAL file {name} is not in the archive of server '{server}'");
    }

    /// <summary>
    /// The first copy a repository yields through <paramref name="fetchOne"/>, trying them in order; null only when every
    /// repository was read and none has it. A repository that fails is logged and skipped, since another may hold a good
    /// copy; when none yields and any failed, throws <see cref="WalFetchFailedException"/> for <paramref name="reported"/>,
    /// because an unreadable repository must not look like the end of the archive (exit 3 would let recovery promote).
    /// </summary>
    /// <param name="name">The file asked of each repository, as logged.</param>
    /// <param name="reported">The WAL file archive-get was asked for, as the failure names it.</param>
    private async Task<Fetched?> FirstRepositoryAsync(WalFileName name, WalFileName reported, IReadOnlyList<Repository> repositories,
        Func<Repository, Task<Fetched?>> fetchOne, CancellationToken cancellationToken)
    {
        var failures = new List<(Repository Repository, Exception Failure)>();
        foreach (var repository in repositories)
        {
            try
            {
                if (await fetchOne(repository).ConfigureAwait(false) is { } fetched)
                {
                    if (failures.Count > 0)
                    {
                        logger.LogWarning("WAL file {Name} served by repository '{Repository}' after {Count} failing one(s)", name, repository.Name,
                            failures.Count);
                    }
                    return fetched;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("unable to get WAL file {Name} from repository '{Repository}': {Message}", name, repository.Name, ex.Message);
                failures.Add((repository, ex));
            }
        }
        return failures.Count > 0 ? throw new WalFetchFailedException(reported, failures) : null;
    }

    /// <param name="padToSegment">
    /// Fill the file with zeros up to the server's segment size: PostgreSQL refuses a restored segment of another size,
    /// and reads the zeros after the streamed bytes as the end of WAL.
    /// </param>
    private static async Task<Fetched?> TryGetOneAsync(string server, WalFileName name, string destination, Repository repository,
        CancellationToken cancellationToken, bool padToSegment = false)
    {
        // An unmounted or emptied repository lists no WAL at all: reading the server record first (also the first
        // decryption with the repository's key) tells "not archived" apart from "cannot read this repository".
        var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
        var archived = await repository.FindWalAsync(server, name, cancellationToken).ConfigureAwait(false);
        if (archived is null)
        {
            return null;
        }
        var temp = destination + ".pgark-tmp";
        try
        {
            var stream = await repository.Storage.OpenReadAsync(archived.Entry.Path, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var plain = CompressionCodec.OpenDecompress(archived.Compression, stream, leaveOpen: true);
                await using (plain.ConfigureAwait(false))
                {
                    var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
                    await using (output.ConfigureAwait(false))
                    {
                        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        var buffer = new byte[1 << 20];
                        int read;
                        while ((read = await plain.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            hash.AppendData(buffer, 0, read);
                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        }
                        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                        if (actual != archived.Sha256)
                        {
                            throw new IntegrityException(
                                $"WAL file {name} in repository '{repository.Name}' is corrupt: SHA-256 {actual}, expected {archived.Sha256} ({archived.Entry.Path})");
                        }
                        if (padToSegment)
                        {
                            // A streamed partial copy continues in the chunks stored after it (StreamedPartialChunks).
                            await StreamedPartialChunks.AppendAsync(repository, server, name, output, output.Length, cancellationToken).ConfigureAwait(false);
                        }
                        if (padToSegment && output.Length < record.WalSegmentSize)
                        {
                            output.SetLength(record.WalSegmentSize);
                        }
                    }
                }
            }
            File.Move(temp, destination, overwrite: true);
            return new Fetched(repository.Name, archived.Sha256, record.WalSegmentSize);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// A segment's first page carries a long header with the system identifier and segment size: refuse WAL of
    /// another cluster before it pollutes the archive.
    /// </summary>
    private static void CheckSegmentHeader(WalFileName name, ReadOnlySpan<byte> content, ServerRecord record, string server)
    {
        if (name.Kind is not (WalFileKind.Segment or WalFileKind.Partial) || content.Length < 40)
        {
            return;
        }
        const ushort longHeaderFlag = 0x0002; // XLP_LONG_HEADER
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(content);
        var info = BinaryPrimitives.ReadUInt16LittleEndian(content[2..]);
        if (PgVersions.MajorOfWalPageMagic(magic) is null || (info & longHeaderFlag) == 0)
        {
            // Not a page layout we know (a future major version): nothing reliable to compare.
            return;
        }
        var systemIdentifier = BinaryPrimitives.ReadUInt64LittleEndian(content[24..]);
        var segmentSize = BinaryPrimitives.ReadUInt32LittleEndian(content[32..]);
        if (systemIdentifier != record.SystemIdentifier)
        {
            throw new IntegrityException(
                $"WAL file {name} belongs to the cluster with system identifier {systemIdentifier}, not server '{server}' ({record.SystemIdentifier})");
        }
        if (segmentSize != record.WalSegmentSize)
        {
            throw new IntegrityException($"WAL file {name} has segment size {segmentSize}, server '{server}' uses {record.WalSegmentSize}");
        }
    }
}
