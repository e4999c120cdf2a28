using PgArk.Core.Catalog;
using PgArk.Core.Common;
using PgArk.Core.Configuration;
using PgArk.Core.Errors;
using PgArk.Core.Operations.Runs;
using PgArk.Core.Stores;

namespace PgArk.Core.Operations;

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
