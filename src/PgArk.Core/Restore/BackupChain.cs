using System.Collections.Concurrent;
using PgArk.Core.Catalog;
using PgArk.Core.Codecs;
using PgArk.Core.Errors;

namespace PgArk.Core.Restore;

/// <summary>
/// Manifests of a backup and its ancestors, loaded once, and where each version of a file lives. Every lookup that
/// fails is an integrity error: a chain with a missing link cannot be restored. Every manifest it hands out has passed
/// <see cref="ManifestPathValidator"/>.
/// </summary>
internal sealed class BackupChain(Repository repository, string server)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(BackupManifest Manifest, Dictionary<string, ManifestFile> Files)>>> _manifests = new();

    public async Task<BackupManifest> ManifestAsync(string backupId, CancellationToken cancellationToken) =>
        (await LoadAsync(backupId, cancellationToken).ConfigureAwait(false)).Manifest;

    public async Task<ManifestFile> FileAsync(string backupId, string path, CancellationToken cancellationToken)
    {
        var (_, files) = await LoadAsync(backupId, cancellationToken).ConfigureAwait(false);
        return files.TryGetValue(path, out var file)
            ? file
            : throw new IntegrityException($"backup chain broken: backup {backupId} does not list '{path}', which a later backup builds on");
    }

    /// <summary>Repository path and codec of the object an entry stores (whole file or delta), in the backup that holds it.</summary>
    public async Task<(string Path, CompressionType Compression)> ObjectOfAsync(string entryBackupId, ManifestFile entry, CancellationToken cancellationToken)
    {
        var holder = entry.Reference ?? entryBackupId;
        var manifest = await ManifestAsync(holder, cancellationToken).ConfigureAwait(false);
        var compression = CompressionCodec.Parse(manifest.Compression);
        var extension = CompressionCodec.FileExtension(compression);
        var id = BackupId.Parse(holder);
        var path = entry.Delta is null
            ? RepositoryLayout.BackupFilePath(server, id, entry.Path, extension)
            : RepositoryLayout.BackupDeltaPath(server, id, entry.Path, extension);
        return (path, compression);
    }

    /// <summary>Every backup id this one depends on (its Parent chain), oldest first, plus itself.</summary>
    public async Task<IReadOnlyList<string>> LineageAsync(string backupId, CancellationToken cancellationToken)
    {
        var lineage = new List<string>();
        for (string? id = backupId; id is not null; id = (await ManifestAsync(id, cancellationToken).ConfigureAwait(false)).Parent)
        {
            if (lineage.Contains(id))
            {
                throw new IntegrityException($"backup chain of {backupId} loops at {id}");
            }
            lineage.Add(id);
        }
        lineage.Reverse();
        return lineage;
    }

    private Task<(BackupManifest Manifest, Dictionary<string, ManifestFile> Files)> LoadAsync(string backupId, CancellationToken cancellationToken) =>
        _manifests.GetOrAdd(backupId, id => new Lazy<Task<(BackupManifest Manifest, Dictionary<string, ManifestFile> Files)>>(async () =>
        {
            if (!BackupId.TryParse(id, out var parsed))
            {
                throw new IntegrityException($"backup chain broken: '{id}' is not a backup id");
            }
            var manifest = await repository.ReadJsonAsync<BackupManifest>(RepositoryLayout.ManifestPath(server, parsed), cancellationToken).ConfigureAwait(false)
                ?? throw new IntegrityException($"backup chain broken: backup {id} is missing from repository '{repository.Name}'");
            // Every path below is used to build repository object paths and restore targets: refuse a forged one first.
            ManifestPathValidator.Validate(manifest);
            return (manifest, manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal));
        })).Value;
}
