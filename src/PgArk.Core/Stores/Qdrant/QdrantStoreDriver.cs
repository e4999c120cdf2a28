using Microsoft.Extensions.Logging;
using PgArk.Core.Errors;

namespace PgArk.Core.Stores.Qdrant;

/// <summary>
/// Backs up a Qdrant server through its REST API: per collection (or one full-storage snapshot) it records the point count
/// and vectors configuration, creates a snapshot, streams the download into the repository, compares the SHA-256 with the
/// checksum Qdrant reports, and deletes the snapshot on the server. Restores upload the snapshot with priority <c>snapshot</c>.
/// </summary>
internal sealed class QdrantStoreDriver(QdrantStoreOptions options, ILogger logger) : IStoreDriver
{
    /// <summary>Item name of a full-storage snapshot.</summary>
    public const string FullStorageItem = "*";

    public StoreOptions Options => options;

    public async Task<IReadOnlyList<string>> ListItemsAsync(CancellationToken cancellationToken)
    {
        if (options.FullStorage)
        {
            return [FullStorageItem];
        }
        if (options.Collections.Count > 0)
        {
            return options.Collections;
        }
        using var client = new QdrantClient(options);
        return await client.ListCollectionsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoreBackupContent> BackupAsync(IStoreArtifactSink sink, CancellationToken cancellationToken)
    {
        using var client = new QdrantClient(options);
        var items = new List<StoreItem>();
        if (options.FullStorage)
        {
            var collections = await client.ListCollectionsAsync(cancellationToken).ConfigureAwait(false);
            var counts = new Dictionary<string, long>();
            foreach (var collection in collections)
            {
                counts[$"points:{collection}"] = (await client.GetCollectionAsync(collection, cancellationToken).ConfigureAwait(false)).Points;
            }
            var item = await SnapshotAsync(client, sink, null, cancellationToken).ConfigureAwait(false);
            items.Add(item with { Counts = counts });
            return new StoreBackupContent(items,
                ["full-storage snapshot: restore it by starting Qdrant with --storage-snapshot (the REST API recovers collections only)"]);
        }
        var names = options.Collections.Count > 0 ? options.Collections : await client.ListCollectionsAsync(cancellationToken).ConfigureAwait(false);
        if (names.Count == 0)
        {
            throw new NotFoundException($"Qdrant store '{options.Name}' at {options.Url} has no collections to back up");
        }
        foreach (var collection in names)
        {
            // Counted before the snapshot: validation after a restore compares with the state the snapshot was taken from.
            var info = await client.GetCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
            var item = await SnapshotAsync(client, sink, collection, cancellationToken).ConfigureAwait(false);
            items.Add(item with { Counts = new Dictionary<string, long> { ["points"] = info.Points }, Config = info.VectorsConfig });
        }
        return new StoreBackupContent(items, []);
    }

    private async Task<StoreItem> SnapshotAsync(QdrantClient client, IStoreArtifactSink sink, string? collection, CancellationToken cancellationToken)
    {
        var snapshot = await client.CreateSnapshotAsync(collection, cancellationToken).ConfigureAwait(false);
        Log.QdrantSnapshotCreated(logger, options.Name, snapshot.Name, collection ?? "the full storage");
        try
        {
            var download = await client.DownloadSnapshotAsync(collection, snapshot.Name, cancellationToken).ConfigureAwait(false);
            StoreItem item;
            await using (download.ConfigureAwait(false))
            {
                item = await sink.StoreAsync(collection ?? FullStorageItem, download, cancellationToken).ConfigureAwait(false);
            }
            if (snapshot.Checksum is { } reported && !string.Equals(reported, item.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new IntegrityException(
                    $"snapshot '{snapshot.Name}' of {collection ?? "the full storage"} on Qdrant store '{options.Name}' has SHA-256 {item.Sha256} as downloaded, Qdrant reports {reported}",
                    "the download was damaged on the way: run the backup again");
            }
            if (snapshot.Size is { } size && size != item.Size)
            {
                throw new IntegrityException(
                    $"snapshot '{snapshot.Name}' on Qdrant store '{options.Name}' downloaded as {item.Size} bytes, Qdrant reports {size}");
            }
            return item with { SourceChecksum = snapshot.Checksum };
        }
        finally
        {
            // The snapshot is in the repository now (or the backup failed): either way it must not fill the Qdrant server's disk.
            try
            {
                await client.DeleteSnapshotAsync(collection, snapshot.Name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (PgArkException ex)
            {
                Log.QdrantSnapshotNotDeleted(logger, options.Name, snapshot.Name, ex.Message);
            }
        }
    }

    public async Task RestoreAsync(StoreItem item, Stream artifact, string? into, CancellationToken cancellationToken)
    {
        if (item.Name == FullStorageItem)
        {
            throw new RefusedException($"a full-storage snapshot of Qdrant store '{options.Name}' cannot be restored through the REST API",
                "restore it by starting Qdrant with --storage-snapshot <file>, or back up collections (stores[].collections) to restore them one by one");
        }
        using var client = new QdrantClient(options);
        await client.UploadSnapshotAsync(into ?? item.Name, artifact, item.File, item.Sha256, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoreValidation> ValidateAsync(StoreItem item, string name, CancellationToken cancellationToken)
    {
        using var client = new QdrantClient(options);
        if (item.Name == FullStorageItem)
        {
            var found = new Dictionary<string, long>();
            var problems = new List<string>();
            foreach (var (key, expected) in item.Counts)
            {
                var collection = key["points:".Length..];
                try
                {
                    var points = (await client.GetCollectionAsync(collection, cancellationToken).ConfigureAwait(false)).Points;
                    found[key] = points;
                    if (points != expected)
                    {
                        problems.Add($"collection '{collection}' has {points} points, the backup recorded {expected}");
                    }
                }
                catch (NotFoundException)
                {
                    problems.Add($"collection '{collection}' is missing");
                }
            }
            return new StoreValidation(item.Name, name, found, problems);
        }
        QdrantCollectionInfo info;
        try
        {
            info = await client.GetCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return new StoreValidation(item.Name, name, new Dictionary<string, long>(), [$"collection '{name}' does not exist on Qdrant store '{options.Name}'"]);
        }
        var list = new List<string>();
        if (item.Counts.TryGetValue("points", out var recorded) && recorded != info.Points)
        {
            list.Add($"collection '{name}' has {info.Points} points, the backup recorded {recorded}");
        }
        if (item.Config is { } config && !System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse(config), System.Text.Json.Nodes.JsonNode.Parse(info.VectorsConfig)))
        {
            list.Add($"collection '{name}' has vectors configuration {info.VectorsConfig}, the backup recorded {config}");
        }
        return new StoreValidation(item.Name, name, new Dictionary<string, long> { ["points"] = info.Points }, list);
    }
}
