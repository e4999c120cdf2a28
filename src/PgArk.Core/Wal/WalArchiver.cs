using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
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
public sealed class WalArchiver(ILogger logger)
{
    /// <summary>Stores the WAL file at <paramref name="walPath"/> in every repository. Returns per-repository outcomes.</summary>
    public async Task<IReadOnlyList<WalPushOutcome>> PushAsync(string server, string walPath, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(Path.GetFileName(walPath));
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(walPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NotFoundException($"WAL file '{walPath}' does not exist");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var outcomes = new List<WalPushOutcome>();
        foreach (var repository in repositories)
        {
            var record = await repository.RequireServerRecordAsync(server, cancellationToken).ConfigureAwait(false);
            CheckSegmentHeader(name, content, record, server);
            var existing = await repository.FindWalAsync(server, name, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                if (existing.Sha256 != sha)
                {
                    throw new IntegrityException(
                        $"WAL file {name} is already in repository '{repository.Name}' with different content (stored SHA-256 {existing.Sha256}, pushed {sha})",
                        "two clusters may be archiving into the same server area; the stored file was left untouched");
                }
                logger.LogInformation("WAL file {Name} already archived in repository '{Repository}' with identical content", name, repository.Name);
                outcomes.Add(WalPushOutcome.AlreadyArchived);
                continue;
            }
            var path = $"{RepositoryLayout.WalFolder(server, name)}/{RepositoryLayout.WalStoredName(name, sha, repository.Extension)}";
            var write = await repository.Storage.OpenWriteAsync(path, WriteOptions.Default, cancellationToken).ConfigureAwait(false);
            await using (write.ConfigureAwait(false))
            {
                var compressor = CompressionCodec.OpenCompress(repository.Compression, write, repository.CompressionLevel, leaveOpen: true);
                await using (compressor.ConfigureAwait(false))
                {
                    await compressor.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                }
                await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            logger.LogInformation("pushed WAL file {Name} to repository '{Repository}'", name, repository.Name);
            outcomes.Add(WalPushOutcome.Stored);
        }
        return outcomes;
    }

    /// <summary>
    /// Restores an archived WAL file to <paramref name="destination"/>, checking its SHA-256 before the file appears.
    /// Throws <see cref="NotFoundException"/> (exit 3) when no repository has it, which tells PostgreSQL the archive ends here.
    /// </summary>
    public async Task<string> GetAsync(string server, string walName, string destination, IReadOnlyList<Repository> repositories,
        CancellationToken cancellationToken)
    {
        var name = WalFileName.Parse(walName);
        foreach (var repository in repositories)
        {
            var archived = await repository.FindWalAsync(server, name, cancellationToken).ConfigureAwait(false);
            if (archived is null)
            {
                continue;
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
                        }
                    }
                }
                File.Move(temp, destination, overwrite: true);
                return repository.Name;
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
        throw new NotFoundException($"WAL file {name} is not in the archive of server '{server}'");
    }

    /// <summary>
    /// A segment's first page carries a long header with the system identifier and segment size: refuse WAL of
    /// another cluster before it pollutes the archive.
    /// </summary>
    // XLOG_PAGE_MAGIC of PostgreSQL 13 to 17.
    private static readonly HashSet<ushort> s_knownPageMagic = [0xD106, 0xD10D, 0xD110, 0xD113, 0xD116];

    private static void CheckSegmentHeader(WalFileName name, byte[] content, ServerRecord record, string server)
    {
        if (name.Kind is not (WalFileKind.Segment or WalFileKind.Partial) || content.Length < 40)
        {
            return;
        }
        const ushort longHeaderFlag = 0x0002; // XLP_LONG_HEADER
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(content);
        var info = BinaryPrimitives.ReadUInt16LittleEndian(content.AsSpan(2));
        if (!s_knownPageMagic.Contains(magic) || (info & longHeaderFlag) == 0)
        {
            // Not a page layout we know (a future major version): nothing reliable to compare.
            return;
        }
        var systemIdentifier = BinaryPrimitives.ReadUInt64LittleEndian(content.AsSpan(24));
        var segmentSize = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(32));
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
