using System.Buffers;
using System.Security.Cryptography;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Restore;
using PgArk.Core.Wal;

namespace PgArk.Core.Verification;

/// <summary>One thing wrong in a repository. <see cref="Subject"/> names the backup, file or WAL range.</summary>
public sealed record VerifyProblem(string Subject, string Problem);

/// <param name="DumpsChecked">Logical dumps checked (file checksums and the archive's table of contents).</param>
public sealed record VerifyReport(string Server, int BackupsChecked, int ObjectsChecked, long BytesChecked, int WalFilesChecked,
    IReadOnlyList<VerifyProblem> Problems, int DumpsChecked = 0)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Reads back everything a server's backups depend on: every stored object (decompressed and hashed against the manifest),
/// every file stored as a page delta rebuilt through its chain exactly as restore does and checked against the
/// whole-file SHA-256 its manifest promises, every link of every chain (parents, references, delta bases), each
/// backup's WAL range, every archived WAL file's checksum, and WAL continuity per timeline. It reports every problem it
/// finds rather than stopping at the first.
/// </summary>
internal sealed class RepositoryVerifier(Repository repository, string server)
{
    public async Task<VerifyReport> VerifyAsync(string? backupId, int jobs, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var problems = new List<VerifyProblem>();
        var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
        var backups = await repository.ListBackupsAsync(server, cancellationToken).ConfigureAwait(false);
        var selected = backupId is null ? backups : backups.Where(b => b.Id == BackupId.Parse(backupId).Value).ToList();
        if (backupId is not null && selected.Count == 0)
        {
            throw new NotFoundException($"backup '{backupId}' of server '{server}' not found", "see 'pgark info' for the backups");
        }
        var chain = new BackupChain(repository, server);

        // Chains: every backup a selected one depends on must be there and intact.
        var toRead = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var backup in selected)
        {
            try
            {
                foreach (var id in await chain.LineageAsync(backup.Id, cancellationToken).ConfigureAwait(false))
                {
                    toRead.Add(id);
                }
            }
            catch (IntegrityException ex)
            {
                problems.Add(new VerifyProblem($"backup {backup.Id}", ex.Message));
            }
        }

        var objects = new List<(string BackupId, ManifestFile Entry)>();
        foreach (var id in toRead)
        {
            BackupManifest manifest;
            try
            {
                manifest = await chain.ManifestAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (IntegrityException ex)
            {
                problems.Add(new VerifyProblem($"backup {id}", ex.Message));
                continue;
            }
            foreach (var entry in manifest.Files)
            {
                await CheckLinksAsync(chain, manifest, entry, problems, cancellationToken).ConfigureAwait(false);
                if (entry.IsStoredHere)
                {
                    objects.Add((id, entry));
                }
            }
        }

        long bytes = 0;
        var checkedObjects = 0;
        var objectProblems = new System.Collections.Concurrent.ConcurrentBag<VerifyProblem>();
        var totalBytes = objects.Sum(o => o.Entry.Delta is null ? o.Entry.Size : (long)o.Entry.Delta.Pages * 8196);
        var rebuilder = new FileRebuilder(repository, chain);
        using var scratch = RebuildScratch.Create();
        await Parallel.ForEachAsync(objects.OrderByDescending(o => o.Entry.Size),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var problem = await CheckObjectAsync(chain, item.BackupId, item.Entry, ct).ConfigureAwait(false)
                    ?? await CheckRebuildAsync(rebuilder, scratch, item.BackupId, item.Entry, ct).ConfigureAwait(false);
                if (problem is not null)
                {
                    objectProblems.Add(problem);
                }
                var done = Interlocked.Add(ref bytes, item.Entry.Delta is null ? item.Entry.Size : (long)item.Entry.Delta.Pages * 8196);
                Interlocked.Increment(ref checkedObjects);
                progress?.Report(new OperationProgress("verify", done, totalBytes, checkedObjects, objects.Count));
            }).ConfigureAwait(false);
        problems.AddRange(objectProblems.OrderBy(p => p.Subject, StringComparer.Ordinal));

        var walChecked = await CheckWalAsync(record, selected, problems, cancellationToken).ConfigureAwait(false);
        return new VerifyReport(server, toRead.Count, checkedObjects, bytes, walChecked, problems);
    }

    private static async Task CheckLinksAsync(BackupChain chain, BackupManifest manifest, ManifestFile entry, List<VerifyProblem> problems,
        CancellationToken cancellationToken)
    {
        try
        {
            if (entry.Reference is { } reference)
            {
                var referenced = await chain.FileAsync(reference, entry.Path, cancellationToken).ConfigureAwait(false);
                if (referenced.Delta is null && entry.Delta is null && (referenced.Sha256 != entry.Sha256 || referenced.Size != entry.Size))
                {
                    problems.Add(new VerifyProblem($"backup {manifest.Id}: '{entry.Path}'",
                        $"refers to backup {reference}, which records different content for it"));
                }
            }
            if (entry.Delta is { } delta)
            {
                await chain.FileAsync(delta.Base, entry.Path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IntegrityException ex)
        {
            problems.Add(new VerifyProblem($"backup {manifest.Id}: '{entry.Path}'", ex.Message));
        }
    }

    private async Task<VerifyProblem?> CheckObjectAsync(BackupChain chain, string backupId, ManifestFile entry, CancellationToken cancellationToken)
    {
        var (path, compression) = await chain.ObjectOfAsync(backupId, entry, cancellationToken).ConfigureAwait(false);
        var subject = $"backup {backupId}: '{entry.Path}' ({path})";
        var expected = entry.Delta?.Sha256 ?? entry.Sha256;
        Stream stored;
        try
        {
            stored = await repository.Storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return new VerifyProblem(subject, "stored object is missing");
        }
        await using (stored.ConfigureAwait(false))
        {
            try
            {
#pragma warning disable CA2000 // HashAsync disposes the stream it is given
                var (length, actual) = await HashAsync(CompressionCodec.OpenDecompress(compression, stored, leaveOpen: true), cancellationToken)
#pragma warning restore CA2000
                    .ConfigureAwait(false);
                if (actual != expected || (entry.Delta is null && length != entry.Size))
                {
                    return new VerifyProblem(subject, $"checksum mismatch: expected SHA-256 {expected}, stored content has {actual} ({length} bytes)");
                }
            }
            catch (IntegrityException ex)
            {
                return new VerifyProblem(subject, $"stored object cannot be read: {ex.Message}");
            }
        }
        return null;
    }

    /// <summary>
    /// A page delta is only as good as the chain under it: rebuild the file (base object, then every delta up to this
    /// one) into a scratch file, streaming, and let <see cref="FileRebuilder"/> check size and SHA-256 as restore would.
    /// </summary>
    private static async Task<VerifyProblem?> CheckRebuildAsync(FileRebuilder rebuilder, RebuildScratch scratch, string backupId,
        ManifestFile entry, CancellationToken cancellationToken)
    {
        if (entry.Delta is null)
        {
            return null;
        }
        var path = scratch.NewFilePath();
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
            await rebuilder.WriteAsync(backupId, entry, handle, static _ => { }, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (IntegrityException ex)
        {
            return new VerifyProblem($"backup {backupId}: '{entry.Path}'", $"cannot be restored: {ex.Message}");
        }
    }

    /// <summary>A private folder for the files verify rebuilds; removed with everything in it when disposed.</summary>
    private sealed class RebuildScratch : IDisposable
    {
        private readonly string _folder;

        private RebuildScratch(string folder) => _folder = folder;

        public static RebuildScratch Create()
        {
            var folder = Path.Combine(Path.GetTempPath(), $"pgark-verify-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new RebuildScratch(folder);
        }

        public string NewFilePath() => Path.Combine(_folder, Guid.NewGuid().ToString("N"));

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    private async Task<int> CheckWalAsync(ServerRecord record, IReadOnlyList<BackupManifest> backups, List<VerifyProblem> problems,
        CancellationToken cancellationToken)
    {
        var archived = new List<ArchivedWalFile>();
        await foreach (var file in repository.ListWalAsync(server, cancellationToken).ConfigureAwait(false))
        {
            archived.Add(file);
        }
        foreach (var file in archived)
        {
            Stream stream;
            try
            {
                stream = await repository.Storage.OpenReadAsync(file.Entry.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException) when (file.Name.Kind == WalFileKind.Partial)
            {
                continue; // a running streamer replaced this partial copy with a newer one (or with the complete segment) meanwhile
            }
            await using (stream.ConfigureAwait(false))
            {
                try
                {
#pragma warning disable CA2000 // HashAsync disposes the stream it is given
                    var (_, actual) = await HashAsync(CompressionCodec.OpenDecompress(file.Compression, stream, leaveOpen: true), cancellationToken)
#pragma warning restore CA2000
                        .ConfigureAwait(false);
                    if (actual != file.Sha256)
                    {
                        problems.Add(new VerifyProblem($"WAL {file.Name}", $"checksum mismatch ({file.Entry.Path}): content has SHA-256 {actual}"));
                    }
                }
                catch (IntegrityException ex)
                {
                    problems.Add(new VerifyProblem($"WAL {file.Name}", $"cannot be read ({file.Entry.Path}): {ex.Message}"));
                }
            }
        }
        await foreach (var chunk in StreamedPartialChunks.ListAllAsync(repository, server, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await StreamedPartialChunks.ReadAsync(repository, chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                // a running streamer stored a newer partial copy (or the complete segment) and removed this chunk meanwhile
            }
            catch (IntegrityException ex)
            {
                problems.Add(new VerifyProblem($"WAL {chunk.Partial} from offset {chunk.Start}", ex.Message));
            }
        }
        var ranges = WalRanges.Compute(archived.Select(a => (a.Name, a.Entry.ModifiedAt)), record.WalSegmentSize);
        foreach (var (first, last) in WalRanges.Gaps(ranges, record.WalSegmentSize))
        {
            problems.Add(new VerifyProblem($"WAL timeline {first[..8]}", first == last ? $"segment {first} is missing" : $"segments {first}..{last} are missing"));
        }
        var present = archived.Where(a => a.Name.Kind == WalFileKind.Segment).Select(a => a.Name.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var backup in backups)
        {
            var missing = backup.RequiredWalSegments().Where(name => !present.Contains(name)).ToList();
            if (missing.Count > 0)
            {
                problems.Add(new VerifyProblem($"backup {backup.Id}", $"cannot be made consistent: WAL {string.Join(", ", missing)} missing"));
            }
        }
        return archived.Count;
    }

    private static async Task<(long Length, string Sha256)> HashAsync(Stream plain, CancellationToken cancellationToken)
    {
        await using (plain.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
            long length = 0;
            try
            {
                int read;
                while ((read = await plain.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }
}
