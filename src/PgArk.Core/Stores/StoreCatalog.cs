using System.Text.RegularExpressions;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;
using PgArk.Core.Logical;

namespace PgArk.Core.Stores;

/// <summary>
/// Typed access to a store's backups in a repository: <c>stores/&lt;store&gt;/backups/&lt;id&gt;/</c> holds one file per
/// artifact (compressed and, when the repository is encrypted, encrypted, like every stored file) and <c>manifest.json</c>,
/// written last. Run records go to <c>stores/&lt;store&gt;/history/</c>.
/// </summary>
public sealed partial class StoreCatalog(Repository repository)
{
    public Repository Repository { get; } = repository;

    public static string StoreFolder(string store) => $"stores/{store}";
    public static string BackupsFolder(string store) => $"stores/{store}/backups";
    public static string BackupFolder(string store, string id) => $"{BackupsFolder(store)}/{id}";
    public static string ManifestPath(string store, string id) => $"{BackupFolder(store, id)}/{RepositoryLayout.ManifestFileName}";
    public static string HistoryFolder(string store) => RepositoryLayout.StoreHistoryFolder(store);

    /// <summary>Where an artifact is stored; a manifest naming anything else is refused (it must not reach outside its folder).</summary>
    public static string ArtifactPath(StoreBackupManifest manifest, StoreItem item) =>
        ArtifactPath(manifest.Store, manifest.Id, manifest.Compression, item.File);

    public static string ArtifactPath(string store, string id, CompressionType compression, string file) => FileNamePattern().IsMatch(file)
        ? $"{BackupFolder(store, id)}/{file}{CompressionCodec.FileExtension(compression)}"
        : throw new IntegrityException($"store backup '{id}' of store '{store}' names a file '{file}' that PgArk does not write");

    /// <summary>The stored file name of the <paramref name="index"/>-th item: its position, then its name with unsafe characters replaced.</summary>
    public static string FileName(int index, string item, string extension)
    {
        var safe = new string(item.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').Take(64).ToArray());
        return $"{index:D4}-{(safe.Length == 0 ? "_" : safe)}.{extension}";
    }

    /// <summary>Complete backups of a store, oldest first; folders without a manifest (interrupted backups) are skipped.</summary>
    public async Task<IReadOnlyList<StoreBackupManifest>> ListAsync(string store, CancellationToken cancellationToken)
    {
        var result = new List<StoreBackupManifest>();
        foreach (var folder in await Repository.Storage.ListFoldersAsync(BackupsFolder(store), cancellationToken).ConfigureAwait(false))
        {
            if (StoreBackupId.TryParse(folder, out var id) && await TryReadAsync(store, id.Value, cancellationToken).ConfigureAwait(false) is { } manifest)
            {
                result.Add(manifest);
            }
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    /// <summary>Backup folders without a manifest: interrupted backups (removed by the next backup of the store).</summary>
    public async Task<IReadOnlyList<string>> ListIncompleteAsync(string store, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        foreach (var folder in await Repository.Storage.ListFoldersAsync(BackupsFolder(store), cancellationToken).ConfigureAwait(false))
        {
            if (StoreBackupId.TryParse(folder, out _)
                && await Repository.Storage.GetInfoAsync(ManifestPath(store, folder), cancellationToken).ConfigureAwait(false) is null)
            {
                result.Add(folder);
            }
        }
        return result;
    }

    public async Task<StoreBackupManifest?> TryReadAsync(string store, StoreBackupId id, CancellationToken cancellationToken)
    {
        var manifest = await Repository.ReadJsonAsync<StoreBackupManifest>(ManifestPath(store, id.Value), cancellationToken).ConfigureAwait(false);
        if (manifest is not null && (manifest.Id != id.Value || manifest.Store != store))
        {
            throw new IntegrityException(
                $"manifest in backup folder '{id}' of store '{store}' in repository '{Repository.Name}' names backup '{manifest.Id}' of store '{manifest.Store}'",
                "a manifest was copied or forged: move that folder out of the repository");
        }
        return manifest;
    }

    /// <summary>The backup with the given id, or the newest backup of the store when <paramref name="id"/> is null.</summary>
    public async Task<StoreBackupManifest> FindAsync(string store, string? id, CancellationToken cancellationToken)
    {
        if (id is not null)
        {
            return await TryReadAsync(store, StoreBackupId.Parse(id), cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"backup '{id}' of store '{store}' not found in repository '{Repository.Name}'",
                    $"see 'pgark list-store-backups --store {store}'");
        }
        var all = await ListAsync(store, cancellationToken).ConfigureAwait(false);
        return all.Count > 0 ? all[^1]
            : throw new NotFoundException($"store '{store}' has no backups in repository '{Repository.Name}'",
                $"take one with 'pgark backup-store --store {store}'");
    }

    public Task WriteManifestAsync(StoreBackupManifest manifest, CancellationToken cancellationToken) =>
        Repository.WriteJsonAsync(ManifestPath(manifest.Store, manifest.Id), manifest, cancellationToken);

    /// <summary>Deletes the manifest first (the backup stops being listed at once), then the rest of the folder.</summary>
    public async Task DeleteAsync(string store, string id, CancellationToken cancellationToken)
    {
        await Repository.Storage.DeleteAsync(ManifestPath(store, id), cancellationToken).ConfigureAwait(false);
        await Repository.Storage.SyncFolderAsync(BackupFolder(store, id), cancellationToken).ConfigureAwait(false);
        await Repository.Storage.DeleteFolderAsync(BackupFolder(store, id), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams an artifact into the repository (compressed with the repository's codec, hashed on the way).</summary>
    internal async Task<StoreItem> StoreArtifactAsync(string store, string id, string item, string file, Stream content, CancellationToken cancellationToken)
    {
        var path = ArtifactPath(store, id, Repository.Compression, file);
        var stored = await DumpFileStore.StoreAsync(Repository, content, path, file, cancellationToken).ConfigureAwait(false);
        return new StoreItem(item, file, stored.Size, stored.StoredSize, stored.Sha256);
    }

    /// <summary>
    /// Opens an artifact decompressed; the stream throws <see cref="IntegrityException"/> (exit 5) at its end when the bytes
    /// read differ from the manifest's size or SHA-256, so nothing reads a damaged artifact to the end without noticing.
    /// </summary>
    public async Task<Stream> OpenArtifactAsync(StoreBackupManifest manifest, StoreItem item, CancellationToken cancellationToken)
    {
        var stored = await Repository.Storage.OpenReadAsync(ArtifactPath(manifest, item), cancellationToken).ConfigureAwait(false);
#pragma warning disable CA2000 // owned by the VerifiedArtifactStream returned to the caller
        return new VerifiedArtifactStream(CompressionCodec.OpenDecompress(manifest.Compression, stored, leaveOpen: false), manifest, item);
#pragma warning restore CA2000
    }

    /// <summary>Reads every artifact of a backup to the end; returns one problem per artifact that is missing, unreadable or altered.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(StoreBackupManifest manifest, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var item in manifest.Items)
        {
            try
            {
                var stream = await OpenArtifactAsync(manifest, item, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.CopyToAsync(Stream.Null, 1 << 20, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PgArkException ex) when (ex.Kind is ErrorKind.Integrity or ErrorKind.NotFound)
            {
                problems.Add(ex.Message);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                problems.Add($"store backup '{manifest.Id}' artifact '{item.File}' cannot be read: {ex.Message}");
            }
        }
        return problems;
    }

    [GeneratedRegex("^[0-9]{4}-[A-Za-z0-9_-]{1,64}\\.(snapshot|dump)$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
