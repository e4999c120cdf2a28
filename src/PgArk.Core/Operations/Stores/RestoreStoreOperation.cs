using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

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
