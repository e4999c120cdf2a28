using System.Text.Json;
using PgArk.Core.Codecs;
using PgArk.Core.Common;
using PgArk.Core.Errors;
using PgArk.Core.Postgres;
using PgArk.Core.Storage;

namespace PgArk.Core.Catalog;

/// <summary>
/// A repository as the engine sees it: storage plus the compression every stored file gets, and typed access to the
/// catalog (server records, manifests, archived WAL). Commands use this; storage never sees backup concepts.
/// </summary>
public sealed class Repository
{
    public Repository(string name, IRepositoryStorage storage, CompressionType compression, int compressionLevel)
    {
        Name = name;
        Storage = storage;
        Compression = compression;
        CompressionLevel = compressionLevel;
    }

    public string Name { get; }
    public IRepositoryStorage Storage { get; }
    public CompressionType Compression { get; }
    public int CompressionLevel { get; }
    public string Extension => CompressionCodec.FileExtension(Compression);

    /// <summary>
    /// Rollback detection for the files rewritten in place (<see cref="RollbackGuard"/>); null: none. Set for encrypted
    /// repositories only, where the generation a file carries is authenticated.
    /// </summary>
    public RollbackGuard? Rollback { get; init; }

    public async Task<T?> ReadJsonAsync<T>(string path, CancellationToken cancellationToken) where T : class, IJsonFile<T>
    {
        if (await Storage.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var stream = await Storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (Rollback is not null && RollbackGuard.IsMutable(path))
            {
                await Rollback.CheckAsync(Storage.Location, path, RollbackGuard.GenerationOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)),
                    cancellationToken).ConfigureAwait(false);
            }
            try
            {
                return PgArkJson.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }
            catch (JsonException ex)
            {
                throw new IntegrityException($"repository file '{path}' in {Storage.Location} is not valid: {ex.Message}");
            }
        }
    }

    public async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken) where T : IJsonFile<T>
    {
        var bytes = PgArkJson.Serialize(value);
        long? generation = null;
        if (Rollback is not null && RollbackGuard.IsMutable(path))
        {
            // One above both what the repository holds (another machine may have written it) and what this one has seen.
            generation = Math.Max(await StoredGenerationAsync(path, cancellationToken).ConfigureAwait(false),
                await Rollback.GetAsync(Storage.Location, path, cancellationToken).ConfigureAwait(false)) + 1;
            bytes = RollbackGuard.WithGeneration(bytes, generation.Value);
        }
        var stream = await Storage.OpenWriteAsync(path, WriteOptions.Default, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        if (generation is { } written)
        {
            await Rollback!.RaiseAsync(Storage.Location, path, written, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The generation of the stored file; 0 when absent or unreadable (it is being replaced anyway).</summary>
    private async Task<long> StoredGenerationAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            if (await Storage.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is null)
            {
                return 0;
            }
            var stream = await Storage.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return RollbackGuard.GenerationOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }
        }
        catch (Exception ex) when (ex is PgArkException or IOException or JsonException)
        {
            return 0;
        }
    }

    public async Task EnsureMarkerAsync(CancellationToken cancellationToken)
    {
        var marker = await ReadJsonAsync<RepositoryMarker>(RepositoryLayout.MarkerFile, cancellationToken).ConfigureAwait(false);
        if (marker is null)
        {
            await WriteJsonAsync(RepositoryLayout.MarkerFile, new RepositoryMarker { CreatedAt = DateTimeOffset.UtcNow }, cancellationToken)
                .ConfigureAwait(false);
        }
        else if (marker.Format > RepositoryMarker.CurrentFormat)
        {
            throw new RefusedException(
                $"repository {Storage.Location} has format {marker.Format}, newer than this pgark understands ({RepositoryMarker.CurrentFormat})",
                "upgrade pgark");
        }
    }

    public Task<ServerRecord?> ReadServerRecordAsync(string server, CancellationToken cancellationToken) =>
        ReadJsonAsync<ServerRecord>(RepositoryLayout.ServerRecordPath(server), cancellationToken);

    /// <summary>The server record, or a not-found error telling the user to run init.</summary>
    public async Task<ServerRecord> RequireServerRecordAsync(string server, CancellationToken cancellationToken) =>
        await ReadServerRecordAsync(server, cancellationToken).ConfigureAwait(false)
        ?? throw new NotFoundException($"server '{server}' is not initialised in repository '{Name}' ({Storage.Location})",
            $"run 'pgark init --server {server}' first");

    /// <summary>Complete backups of a server, oldest first. Folders without a manifest (interrupted backups) are skipped.</summary>
    public async Task<IReadOnlyList<BackupManifest>> ListBackupsAsync(string server, CancellationToken cancellationToken)
    {
        var result = new List<BackupManifest>();
        foreach (var folder in await Storage.ListFoldersAsync(RepositoryLayout.BackupsFolder(server), cancellationToken).ConfigureAwait(false))
        {
            if (!BackupId.TryParse(folder, out var id))
            {
                continue;
            }
            var manifest = await ReadJsonAsync<BackupManifest>(RepositoryLayout.ManifestPath(server, id), cancellationToken).ConfigureAwait(false);
            if (manifest is not null)
            {
                result.Add(CheckId(server, id, manifest));
            }
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    /// <summary>
    /// <see cref="ListBackupsAsync"/> without the file lists, for listings: each manifest is parsed once per process and
    /// reused while its size and modification time stay the same (<see cref="BackupHeaderCache"/>).
    /// </summary>
    public Task<IReadOnlyList<BackupHeader>> ListBackupHeadersAsync(string server, CancellationToken cancellationToken) =>
        BackupHeaderCache.ListAsync(this, server, cancellationToken);

    /// <summary>Backup folders that have no manifest: backups that were interrupted (crash, kill, failure).</summary>
    public async Task<IReadOnlyList<BackupId>> ListIncompleteBackupsAsync(string server, CancellationToken cancellationToken)
    {
        var result = new List<BackupId>();
        foreach (var folder in await Storage.ListFoldersAsync(RepositoryLayout.BackupsFolder(server), cancellationToken).ConfigureAwait(false))
        {
            if (BackupId.TryParse(folder, out var id)
                && await Storage.GetInfoAsync(RepositoryLayout.ManifestPath(server, id), cancellationToken).ConfigureAwait(false) is null)
            {
                result.Add(id);
            }
        }
        return result;
    }

    /// <summary>
    /// Removes one backup so that a crash at any point leaves the repository readable: the manifest goes first (from then on
    /// the backup is no longer listed and the rest is an incomplete folder the next backup or expire removes), that removal
    /// is made durable, then the folder goes. Callers hold the server's backup lock and have checked dependents.
    /// </summary>
    public async Task DeleteBackupAsync(string server, BackupId id, CancellationToken cancellationToken)
    {
        await Storage.DeleteAsync(RepositoryLayout.ManifestPath(server, id), cancellationToken).ConfigureAwait(false);
        await Storage.SyncFolderAsync(RepositoryLayout.BackupFolder(server, id), cancellationToken).ConfigureAwait(false);
        await Storage.DeleteFolderAsync(RepositoryLayout.BackupFolder(server, id), cancellationToken).ConfigureAwait(false);
    }

    public async Task<BackupManifest> ReadManifestAsync(string server, BackupId id, CancellationToken cancellationToken) => CheckId(server, id,
        await ReadJsonAsync<BackupManifest>(RepositoryLayout.ManifestPath(server, id), cancellationToken).ConfigureAwait(false)
        ?? throw new NotFoundException($"backup '{id}' of server '{server}' not found in repository '{Name}'", "see 'pgark info' for the backups"));

    /// <summary>
    /// A manifest is trusted only in the folder its id names, for the server it names: a copied or forged manifest must
    /// not stand in for another backup (retention and restore pick backups by id).
    /// </summary>
    internal BackupManifest CheckId(string server, BackupId folder, BackupManifest manifest) =>
        manifest.Id == folder.Value && manifest.Server == server ? manifest : throw ForeignManifest(server, folder, manifest.Id, manifest.Server);

    internal IntegrityException ForeignManifest(string server, BackupId folder, string id, string manifestServer) => new(
        $"manifest in backup folder '{folder}' of server '{server}' in repository '{Name}' names backup '{id}' of server '{manifestServer}'",
        "a manifest was copied or forged: move that folder out of the repository, then run 'pgark verify'");

    /// <summary>The archived copy of a WAL file, or null. Stored names carry the content's SHA-256.</summary>
    public async Task<ArchivedWalFile?> FindWalAsync(string server, WalFileName name, CancellationToken cancellationToken)
    {
        var folder = RepositoryLayout.WalFolder(server, name);
        var prefix = name.Name + "-";
        await foreach (var entry in Storage.ListAsync(folder, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            var fileName = entry.Path[(entry.Path.LastIndexOf('/') + 1)..];
            if (fileName.StartsWith(prefix, StringComparison.Ordinal) && ArchivedWalFile.TryParse(entry, out var archived))
            {
                return archived;
            }
        }
        return null;
    }

    /// <summary>
    /// Every stored copy of a WAL file (normally one; a streamed <c>.partial</c> has two for a moment while its newer
    /// copy replaces the older one).
    /// </summary>
    public async Task<IReadOnlyList<ArchivedWalFile>> FindWalFilesAsync(string server, WalFileName name, CancellationToken cancellationToken)
    {
        var found = new List<ArchivedWalFile>();
        var prefix = name.Name + "-";
        await foreach (var entry in Storage.ListAsync(RepositoryLayout.WalFolder(server, name), recursive: false, cancellationToken).ConfigureAwait(false))
        {
            var fileName = entry.Path[(entry.Path.LastIndexOf('/') + 1)..];
            if (fileName.StartsWith(prefix, StringComparison.Ordinal) && ArchivedWalFile.TryParse(entry, out var archived))
            {
                found.Add(archived);
            }
        }
        return found;
    }

    /// <summary>Which of the named segments are not archived yet; each folder involved is listed once.</summary>
    public async Task<SortedSet<string>> MissingWalSegmentsAsync(string server, IEnumerable<string> segmentNames, CancellationToken cancellationToken)
    {
        var missing = new SortedSet<string>(segmentNames, StringComparer.Ordinal);
        foreach (var folder in missing.Select(n => RepositoryLayout.WalFolder(server, WalFileName.Parse(n))).Distinct().ToList())
        {
            await foreach (var entry in Storage.ListAsync(folder, recursive: false, cancellationToken).ConfigureAwait(false))
            {
                if (ArchivedWalFile.TryParse(entry, out var archived) && archived.Name.Kind == WalFileKind.Segment)
                {
                    missing.Remove(archived.Name.Name);
                }
            }
        }
        return missing;
    }

    /// <summary>Every archived WAL file of a server (segments, partials, history and backup files).</summary>
    public async IAsyncEnumerable<ArchivedWalFile> ListWalAsync(string server,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in Storage.ListAsync(RepositoryLayout.WalRoot(server), recursive: true, cancellationToken).ConfigureAwait(false))
        {
            if (ArchivedWalFile.TryParse(entry, out var archived))
            {
                yield return archived;
            }
        }
    }
}

/// <summary>A WAL file as stored: its PostgreSQL name, checksum of the plain content, and codec.</summary>
public sealed record ArchivedWalFile(WalFileName Name, string Sha256, CompressionType Compression, StorageEntry Entry)
{
    public static bool TryParse(StorageEntry entry, out ArchivedWalFile archived)
    {
        archived = null!;
        var fileName = entry.Path[(entry.Path.LastIndexOf('/') + 1)..];
        var dash = fileName.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || fileName.Length < dash + 1 + 64 || !WalFileName.TryParse(fileName[..dash], out var name))
        {
            return false;
        }
        var sha = fileName.Substring(dash + 1, 64);
        var extension = fileName[(dash + 1 + 64)..];
        CompressionType? compression = extension switch
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
        archived = new ArchivedWalFile(name, sha, compression.Value, entry);
        return true;
    }
}
