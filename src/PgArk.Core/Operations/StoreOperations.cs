using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

/// <summary>An input that names a configured store (recorded in the run's history under <c>stores/&lt;store&gt;/history/</c>).</summary>
public interface IStoreInput
{
    string? Store { get; }
}

/// <summary>Descriptions shared by the store operations.</summary>
public static class StoreInputText
{
    public const string Store = "Store name, as configured under stores[].name (a Qdrant or Neo4j store).";
    public const string Backup = "Store backup id, e.g. 20261204-020000S (default: the newest backup of the store).";
    public const string Item = "Only this collection (Qdrant) or database (Neo4j) of the backup (default: every item).";
}

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

public sealed record ListStoreBackupsInput(
    [property: Input("Store name, as configured under stores[].name (default: every store).", Positional = true)] string? Store = null) : IStoreInput;

/// <param name="Incomplete">Backup folders without a manifest (interrupted; the next backup removes them).</param>
public sealed record StoreBackupListing(string Store, string Kind, string Repository, IReadOnlyList<StoreBackupSummary> Backups, IReadOnlyList<string> Incomplete);

public sealed record ListStoreBackupsResult(IReadOnlyList<StoreBackupListing> Stores);

/// <summary>Lists the backups of one store, or of every configured store, oldest first.</summary>
public sealed class ListStoreBackupsOperation : Operation<ListStoreBackupsInput, ListStoreBackupsResult>
{
    public override string Name => "list_store_backups";
    public override string Description => "List the backups of the Qdrant and Neo4j stores (or of one), oldest first.";
    public override OperationRole Role => OperationRole.Viewer;
    public override OperationRoute Route => new("GET", "/api/stores/backups", "Backups of the Qdrant and Neo4j stores (query: store)");

    protected override async Task<ListStoreBackupsResult> ExecuteAsync(OperationContext context, ListStoreBackupsInput input,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var stores = input.Store is null ? context.Options.Stores : [context.Options.GetStore(input.Store)];
        var listings = new List<StoreBackupListing>();
        foreach (var store in stores)
        {
            var catalog = context.StoreCatalogFor(store);
            var backups = await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false);
            var incomplete = await catalog.ListIncompleteAsync(store.Name, cancellationToken).ConfigureAwait(false);
            listings.Add(new StoreBackupListing(store.Name, RunFacts.Lower(store.Kind), catalog.Repository.Name,
                backups.Select(StoreBackupSummary.Of).ToList(), incomplete));
        }
        return new ListStoreBackupsResult(listings);
    }
}

public sealed record VerifyStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input("Only this store backup (default: every backup of the store).")] string? Backup = null) : IStoreInput;

public sealed record VerifyStoreResult(string Store, IReadOnlyList<string> Backups, IReadOnlyList<string> Problems);

/// <summary>Reads every artifact of a store's backups (or one) and checks size and SHA-256 against the manifest; a mismatch exits 5.</summary>
public sealed class VerifyStoreOperation : Operation<VerifyStoreInput, VerifyStoreResult>
{
    public override string Name => "verify_store";
    public override string Description => "Check the checksums of a store's backups in the repository (a damaged artifact fails with exit 5).";
    public override OperationRole Role => OperationRole.Operator;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/verify", "Verify the checksums of a store's backups");

    public override RunFacts Facts(VerifyStoreInput input, VerifyStoreResult? result) => new() { Store = input.Store, BackupId = input.Backup };

    public override OperationVerdict Verdict(VerifyStoreResult result) =>
        OperationVerdict.FailIf(result.Problems.Count == 0 ? null : string.Join("; ", result.Problems.Take(5)));

    protected override async Task<VerifyStoreResult> ExecuteAsync(OperationContext context, VerifyStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var backups = input.Backup is null ? await catalog.ListAsync(store.Name, cancellationToken).ConfigureAwait(false)
            : [await catalog.FindAsync(store.Name, input.Backup, cancellationToken).ConfigureAwait(false)];
        if (backups.Count == 0)
        {
            throw new NotFoundException($"store '{store.Name}' has no backups to verify in repository '{catalog.Repository.Name}'");
        }
        var problems = new List<string>();
        foreach (var backup in backups)
        {
            problems.AddRange(await catalog.VerifyAsync(backup, cancellationToken).ConfigureAwait(false));
        }
        return new VerifyStoreResult(store.Name, backups.Select(b => b.Id).ToList(), problems);
    }
}

public sealed record RestoreStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input(StoreInputText.Backup)] string? Backup = null,
    [property: Input(StoreInputText.Item)] string? Item = null,
    [property: Input("Restore the item under this name instead (a scratch collection or database); needs item when the backup has several.")] string? Into = null,
    [property: Input("After the restore, compare counts and configuration with the backup (default true).")] bool Validate = true,
    [property: Input(InputText.Confirm, Aliases = ["--yes", "-y"])] bool Confirm = false,
    [property: Input("Instead of naming a backup: the newest one that started at or before this time (ISO 8601 with an offset).")]
    string? Before = null) : IStoreInput, IConfirmedInput;

public sealed record RestoreStoreResult(string Store, string Backup, IReadOnlyList<string> Restored, IReadOnlyList<StoreValidation> Validations,
    IReadOnlyList<string> Notes);

/// <summary>
/// Restores a store backup (the newest unless one is named): every artifact is first read whole and checked against its
/// SHA-256, so a damaged backup is refused (exit 5) before the store is touched; then each item is uploaded (Qdrant,
/// priority snapshot) or loaded (Neo4j, overwriting the destination) and, by default, validated.
/// </summary>
public sealed class RestoreStoreOperation : Operation<RestoreStoreInput, RestoreStoreResult>
{
    public override string Name => "restore_store";
    public override string Description => "Restore a Qdrant or Neo4j store from a backup (replaces the collection or database; checksums checked first).";
    public override OperationRole Role => OperationRole.Admin;
    public override bool Destructive => true;
    public override bool LongRunning => true;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/restore", "Restore a Qdrant or Neo4j store (admin; \"confirm\": true)");

    public override RunFacts Facts(RestoreStoreInput input, RestoreStoreResult? result) => new() { Store = input.Store, BackupId = result?.Backup ?? input.Backup };

    public override OperationVerdict Verdict(RestoreStoreResult result) => StoreValidationVerdict.Of(result.Validations);

    protected override async Task<RestoreStoreResult> ExecuteAsync(OperationContext context, RestoreStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var manifest = input.Before is null ? await catalog.FindAsync(store.Name, input.Backup, cancellationToken).ConfigureAwait(false)
            : await NewestBeforeAsync(catalog, store.Name, input, cancellationToken).ConfigureAwait(false);
        var items = StoreItems.Select(manifest, input.Item, input.Into);
        if (!input.Confirm)
        {
            throw new RefusedException(
                $"restoring store '{store.Name}' from backup '{manifest.Id}' replaces {string.Join(", ", items.Select(i => $"'{input.Into ?? i.Name}'"))}",
                "add --yes to confirm");
        }
        var selected = manifest with { Items = items };
        var problems = await catalog.VerifyAsync(selected, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new IntegrityException($"refusing to restore store '{store.Name}' from backup '{manifest.Id}': {string.Join("; ", problems)}",
                "the copy in the repository is damaged: restore an older backup (see 'pgark list-store-backups')");
        }
        var driver = StoreDrivers.Create(store, context.LoggerFactory);
        var restored = new List<string>();
        foreach (var item in items)
        {
            progress?.Report(new OperationProgress($"restoring {item.Name}", 0, 0, restored.Count, items.Count));
            var artifact = await catalog.OpenArtifactAsync(manifest, item, cancellationToken).ConfigureAwait(false);
            await using (artifact.ConfigureAwait(false))
            {
                await driver.RestoreAsync(item, artifact, input.Into, cancellationToken).ConfigureAwait(false);
            }
            restored.Add(input.Into ?? item.Name);
        }
        var validations = new List<StoreValidation>();
        if (input.Validate)
        {
            foreach (var item in items)
            {
                validations.Add(await driver.ValidateAsync(item, input.Into ?? item.Name, cancellationToken).ConfigureAwait(false));
            }
        }
        return new RestoreStoreResult(store.Name, manifest.Id, restored, validations, manifest.Notes);
    }

    /// <summary>"Restore neo4j from last night": the newest backup that started at or before the time.</summary>
    private static async Task<StoreBackupManifest> NewestBeforeAsync(StoreCatalog catalog, string store, RestoreStoreInput input,
        CancellationToken cancellationToken)
    {
        if (input.Backup is not null)
        {
            throw new UsageException("give either 'backup' or 'before', not both");
        }
        var before = Restore.RestoreTarget.ParseTime(input.Before!);
        var backups = await catalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
        return backups.LastOrDefault(b => b.StartTime <= before)
            ?? throw new NotFoundException($"store '{store}' has no backup that started at or before {before:yyyy-MM-dd HH:mm:ss zzz}",
                backups.Count == 0 ? $"take one with 'pgark backup-store {store}'" : $"its oldest backup is {backups[0].Id}");
    }
}

public sealed record ValidateStoreInput(
    [property: Input(StoreInputText.Store, Positional = true)] string Store,
    [property: Input(StoreInputText.Backup)] string? Backup = null,
    [property: Input(StoreInputText.Item)] string? Item = null,
    [property: Input("Compare this collection or database instead of the item's own (e.g. a scratch restore); needs item when the backup has several.")]
    string? Target = null) : IStoreInput;

public sealed record ValidateStoreResult(string Store, string Backup, IReadOnlyList<StoreValidation> Validations);

/// <summary>Compares the live store with what a backup recorded: Qdrant point counts and vectors configuration, Neo4j counts per label and type.</summary>
public sealed class ValidateStoreOperation : Operation<ValidateStoreInput, ValidateStoreResult>
{
    public override string Name => "validate_store";
    public override string Description => "Compare a Qdrant or Neo4j store with what a backup recorded (point counts and vector config; node and relationship counts).";
    public override OperationRole Role => OperationRole.Operator;
    public override OperationRoute Route => new("POST", "/api/stores/{store}/validate", "Compare a store with a backup's recorded counts");

    public override RunFacts Facts(ValidateStoreInput input, ValidateStoreResult? result) => new() { Store = input.Store, BackupId = result?.Backup ?? input.Backup };

    public override OperationVerdict Verdict(ValidateStoreResult result) => StoreValidationVerdict.Of(result.Validations);

    protected override async Task<ValidateStoreResult> ExecuteAsync(OperationContext context, ValidateStoreInput input, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var store = context.Options.GetStore(input.Store);
        var catalog = context.StoreCatalogFor(store);
        var manifest = await catalog.FindAsync(store.Name, input.Backup, cancellationToken).ConfigureAwait(false);
        var driver = StoreDrivers.Create(store, context.LoggerFactory);
        var validations = new List<StoreValidation>();
        foreach (var item in StoreItems.Select(manifest, input.Item, input.Target))
        {
            validations.Add(await driver.ValidateAsync(item, input.Target ?? item.Name, cancellationToken).ConfigureAwait(false));
        }
        return new ValidateStoreResult(store.Name, manifest.Id, validations);
    }
}

internal static class StoreItems
{
    /// <summary>The backup's items, or the one named; another name for the target needs a single item.</summary>
    public static IReadOnlyList<StoreItem> Select(StoreBackupManifest manifest, string? item, string? otherName)
    {
        var items = item is null ? manifest.Items
            : manifest.Items.Where(i => i.Name == item).ToList() is { Count: > 0 } found ? found
            : throw new NotFoundException($"store backup '{manifest.Id}' has no item '{item}'",
                $"it holds: {string.Join(", ", manifest.Items.Select(i => i.Name))}");
        if (otherName is not null && items.Count != 1)
        {
            throw new UsageException($"a target name needs one item, and store backup '{manifest.Id}' holds {items.Count}", "name the item (--item)");
        }
        return items;
    }
}

internal static class StoreValidationVerdict
{
    public static OperationVerdict Of(IReadOnlyList<StoreValidation> validations)
    {
        var problems = validations.SelectMany(v => v.Problems).ToList();
        return OperationVerdict.FailIf(problems.Count == 0 ? null : string.Join("; ", problems.Take(5)));
    }
}
