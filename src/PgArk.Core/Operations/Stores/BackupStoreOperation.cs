using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

/// <summary>A store backup as listings and results show it.</summary>
public sealed record StoreBackupSummary(string Id, string Store, string Kind, DateTimeOffset StartTime, double DurationSeconds, long Size, long StoredSize,
    string? Label, IReadOnlyList<StoreItem> Items, IReadOnlyList<string> Notes)
{
    public static StoreBackupSummary Of(StoreBackupManifest m) => new(m.Id, m.Store, RunFacts.Lower(m.Kind), m.StartTime, m.DurationSeconds, m.Size,
        m.StoredSize, m.Label, m.Items, m.Notes);
}

public sealed record BackupStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input(InputText.Label)] string? Label = null) : IStoreInput;

/// <param name="Expired">Backups removed afterwards by the store's retention (stores[].retention).</param>
public sealed record BackupStoreResult(StoreBackupSummary Backup, string Repository, IReadOnlyList<string> Expired);

/// <summary>
/// Backs up a Qdrant or Neo4j store into its repository: each artifact (snapshot or dump) is streamed in, compressed,
/// encrypted when the repository is, and hashed; the manifest is written last. The store's retention is applied afterwards.
/// </summary>
public sealed class BackupStoreOperation : Operation<BackupStoreInput, BackupStoreResult>
{
    public override string Name => "backup_store";
    public override string Description => "Back up a Qdrant (snapshots) or Neo4j (neo4j-admin dump) store into its repository.";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/backups", "Back up a Qdrant or Neo4j store");

    public override RunFacts Facts(BackupStoreInput input, BackupStoreResult? result) => new()
    {
        Store = input.Store, Label = input.Label, BackupId = result?.Backup.Id, Type = result?.Backup.Kind, SizeBytes = result?.Backup.Size,
        StoredBytes = result?.Backup.StoredSize,
        Checksum = result is null ? null : RunFacts.Sha256(System.Text.Encoding.UTF8.GetBytes(string.Join(",", result.Backup.Items.Select(i => i.Sha256)))),
    };

    protected override async Task<BackupStoreResult> ExecuteAsync(OperationContext context, BackupStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var storeLock = await ServerLock.AcquireAsync(context.Options.LockPath, $"store-{store.Name}", "backup", cancellationToken).ConfigureAwait(false);
        using var storeLockScope = storeLock;
        await catalog.Repository.EnsureMarkerAsync(cancellationToken).ConfigureAwait(false);
        foreach (var incomplete in await catalog.ListIncompleteAsync(store.Name, cancellationToken).ConfigureAwait(false))
        {
            await catalog.DeleteAsync(store.Name, incomplete, cancellationToken).ConfigureAwait(false);
        }
        var started = DateTimeOffset.UtcNow;
        var existing = await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false);
        var id = StoreBackupId.NewAfter(started, existing.Select(b => b.Id));
        var driver = StoreDrivers.Create(store, context.LoggerFactory);
        var sink = new Sink(catalog, store, id.Value, progress);
        var content = await driver.BackupAsync(sink, cancellationToken).ConfigureAwait(false);
        await catalog.Repository.Storage.SyncAllAsync(cancellationToken).ConfigureAwait(false);
        var manifest = new StoreBackupManifest
        {
            Id = id.Value, Store = store.Name, Kind = store.Kind, StartTime = started, DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 3),
            Compression = catalog.Repository.Compression, Label = input.Label, Items = content.Items, Notes = content.Notes,
        };
        await catalog.WriteManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        var expired = await StoreRetention.ApplyAsync(catalog, store, manifest.Id, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        return new BackupStoreResult(StoreBackupSummary.Of(manifest), catalog.Repository.Name, expired);
    }

    private sealed class Sink(StoreCatalog catalog, StoreOptions store, string id, IProgress<OperationProgress>? progress) : IStoreArtifactSink
    {
        private int _index;

        public async Task<StoreItem> StoreAsync(string name, Stream content, CancellationToken cancellationToken)
        {
            var index = ++_index;
            var file = StoreCatalog.FileName(index, name, store.Kind == StoreKind.Qdrant ? "snapshot" : "dump");
            progress?.Report(new OperationProgress($"storing {name}", 0, 0, index - 1, 0));
            return await catalog.StoreArtifactAsync(store.Name, id, name, file, content, cancellationToken).ConfigureAwait(false);
        }
    }
}
